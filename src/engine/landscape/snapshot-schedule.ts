// Which of a run's snapshot slots hold which step. A run copies its weights at step 0 and every
// `every` steps into a fixed number of GPU slots; when they are all taken the schedule thins:
// it keeps every other snapshot (the start always, the latest always) and doubles `every`, so a
// run of any length fits its share of memory with snapshots spread over the whole of it.
// Slots are never moved on the GPU: a freed slot is simply written again, and the Gram matrix
// entries of a slot are recomputed whenever the slot is written.

export interface PlacedSnapshot {
  readonly slot: number;
  readonly step: number;
}

export class SnapshotSchedule {
  private readonly steps: (number | null)[];
  private interval: number;

  constructor(
    readonly capacity: number,
    every: number,
  ) {
    if (!Number.isInteger(capacity) || capacity < 2) throw new Error(`A run needs room for at least 2 snapshots, got ${capacity}`);
    if (!Number.isInteger(every) || every < 1) throw new Error(`snapshot_every must be a whole number >= 1, got ${every}`);
    this.steps = new Array<number | null>(capacity).fill(null);
    this.interval = every;
  }

  /** Steps between snapshots now (doubled by each thinning). */
  get every(): number {
    return this.interval;
  }

  get kept(): number {
    return this.steps.filter((step) => step !== null).length;
  }

  /** The snapshots held, oldest first. */
  snapshots(): PlacedSnapshot[] {
    return this.steps
      .map((step, slot) => ({ slot, step }))
      .filter((entry): entry is PlacedSnapshot => entry.step !== null)
      .sort((a, b) => a.step - b.step);
  }

  latest(): PlacedSnapshot | null {
    return this.snapshots().at(-1) ?? null;
  }

  /** Whether the weights after `step` steps are due for a snapshot (and not already held). */
  due(step: number): boolean {
    return step % this.interval === 0 && !this.holds(step);
  }

  holds(step: number): boolean {
    return this.steps.includes(step);
  }

  /**
   * The slot for the weights after `step` steps, thinning first when every slot is taken.
   * `force` places a snapshot that is off the schedule (a run's last weights when it ends);
   * otherwise a step that thinning made off-schedule gets null.
   */
  place(step: number, force = false): number | null {
    if (this.holds(step)) return null;
    let free = this.steps.indexOf(null);
    if (free < 0) {
      this.thin();
      if (!force && step % this.interval !== 0) return null;
      free = this.steps.indexOf(null);
      // Two slots: the start and the latest, which the new snapshot replaces.
      if (free < 0) free = this.latest()!.slot;
    }
    this.steps[free] = step;
    return free;
  }

  /** Frees every other snapshot, oldest first, keeping the start and the latest; doubles the interval. */
  private thin(): void {
    const held = this.snapshots();
    held.forEach(({ slot }, rank) => {
      if (rank % 2 === 1 && rank !== held.length - 1) this.steps[slot] = null;
    });
    this.interval *= 2;
  }
}
