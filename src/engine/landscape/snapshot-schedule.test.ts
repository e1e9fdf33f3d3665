import { describe, expect, it } from 'vitest';
import { SnapshotSchedule } from './snapshot-schedule';

/** Places every due step of a run of `steps` steps, as the trainer does after each step. */
function train(schedule: SnapshotSchedule, steps: number): void {
  schedule.place(0);
  for (let done = 1; done <= steps; done++) if (schedule.due(done)) schedule.place(done);
}

describe('SnapshotSchedule', () => {
  it('takes the start and every `every` steps while there is room', () => {
    const schedule = new SnapshotSchedule(8, 10);
    train(schedule, 50);
    expect(schedule.snapshots().map((s) => s.step)).toEqual([0, 10, 20, 30, 40, 50]);
    expect(schedule.every).toBe(10);
  });

  it('thins when full: every other snapshot goes, the start and the latest stay, the interval doubles', () => {
    const schedule = new SnapshotSchedule(4, 10);
    train(schedule, 30); // 0, 10, 20, 30: full
    expect(schedule.kept).toBe(4);
    expect(schedule.due(40)).toBe(true);
    const slot = schedule.place(40);
    // Thinned to 0, 20, 30 (the latest); 40 is on the doubled interval and takes the freed slot.
    expect(slot).not.toBeNull();
    expect(schedule.snapshots().map((s) => s.step)).toEqual([0, 20, 30, 40]);
    expect(schedule.every).toBe(20);
  });

  it('stays within its slots, spread over the whole run, for any length', () => {
    for (const capacity of [2, 3, 5, 16]) {
      const schedule = new SnapshotSchedule(capacity, 1);
      train(schedule, 1000);
      const steps = schedule.snapshots().map((s) => s.step);
      expect(steps.length).toBeLessThanOrEqual(capacity);
      expect(steps[0]).toBe(0);
      // The latest snapshot is never older than one interval.
      expect(1000 - steps.at(-1)!).toBeLessThan(schedule.every);
      expect(new Set(steps.map((_, i) => schedule.snapshots()[i].slot)).size).toBe(steps.length);
    }
  });

  it('with two slots keeps the start and replaces the latest', () => {
    const schedule = new SnapshotSchedule(2, 5);
    train(schedule, 5);
    expect(schedule.snapshots().map((s) => s.step)).toEqual([0, 5]);
    schedule.place(10);
    expect(schedule.snapshots().map((s) => s.step)).toEqual([0, 10]);
  });

  it('places a forced off-schedule snapshot (a run ends between snapshots) and never one step twice', () => {
    const schedule = new SnapshotSchedule(8, 10);
    train(schedule, 23);
    expect(schedule.due(23)).toBe(false);
    expect(schedule.place(23, true)).not.toBeNull();
    expect(schedule.latest()?.step).toBe(23);
    expect(schedule.place(23, true)).toBeNull();
  });

  it('refuses fewer than two slots and a bad interval', () => {
    expect(() => new SnapshotSchedule(1, 10)).toThrow(/at least 2 snapshots/);
    expect(() => new SnapshotSchedule(4, 0)).toThrow(/snapshot_every/);
  });
});
