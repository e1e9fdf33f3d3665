import { describe, expect, it } from 'vitest';
import type { LandscapeFrame } from '../engine/landscape/landscape-frame';
import type { RunSummary } from '../engine/train/events';
import type { WorkerRequest, WorkerResponse } from '../worker/protocol';
import { FinalExports, wantsLandscape } from './final-exports';

const finished = (runs: string[]): WorkerResponse => ({
  type: 'trainer-event',
  event: { type: 'finished', summaries: runs.map((run) => ({ run }) as RunSummary) },
});
const frame = (settled: boolean): WorkerResponse => ({ type: 'trainer-event', event: { type: 'landscape', frame: { settled } as LandscapeFrame } });
const checkpoint = (run: string): WorkerResponse => ({ type: 'checkpoint-export', run, bytes: new Uint8Array(1) });
const landscapeExport: WorkerResponse = { type: 'landscape-export', bytes: new Uint8Array(1) };

function session(landscape: boolean) {
  const posted: WorkerRequest[] = [];
  let done = 0;
  const exports = new FinalExports(
    landscape,
    (request) => posted.push(request),
    () => done++,
  );
  return { exports, posted, done: () => done };
}

describe('wantsLandscape', () => {
  it('is on for a landscape section unless it says enabled: false', () => {
    expect(wantsLandscape({ landscape: {} })).toBe(true);
    expect(wantsLandscape({ landscape: { enabled: true, grid: 5 } })).toBe(true);
    expect(wantsLandscape({ landscape: { enabled: false } })).toBe(false);
    expect(wantsLandscape({ steps: 1 })).toBe(false);
    expect(wantsLandscape(null)).toBe(false);
  });
});

describe('FinalExports', () => {
  it('without a landscape asks for every run weights at the end and is done with the last', () => {
    const { exports, posted, done } = session(false);
    exports.onMessage(finished(['a', 'b']));
    expect(posted).toEqual([
      { type: 'export-checkpoint', run: 'a' },
      { type: 'export-checkpoint', run: 'b' },
    ]);
    exports.onMessage(checkpoint('a'));
    expect(done()).toBe(0);
    exports.onMessage(checkpoint('b'));
    expect(done()).toBe(1);
  });

  it('with a landscape waits after the end for a settled frame, then asks for the weights and the plane', () => {
    const { exports, posted, done } = session(true);
    exports.onMessage(frame(false));
    exports.onMessage(finished(['a']));
    exports.onMessage(frame(false));
    expect(posted).toEqual([]);
    exports.onMessage(frame(true));
    expect(posted).toEqual([{ type: 'export-checkpoint', run: 'a' }, { type: 'export-landscape' }]);
    exports.onMessage(landscapeExport);
    expect(done()).toBe(0);
    exports.onMessage(checkpoint('a'));
    expect(done()).toBe(1);
  });

  it('takes a frame that settled before the end (the landscape stopped) and asks only once', () => {
    const { exports, posted, done } = session(true);
    exports.onMessage(frame(true));
    expect(posted).toEqual([]);
    exports.onMessage(finished(['a']));
    exports.onMessage(frame(true));
    expect(posted).toHaveLength(2);
    exports.onMessage(checkpoint('a'));
    exports.onMessage(landscapeExport);
    expect(done()).toBe(1);
  });

  it('is done at once when there is nothing to ask for, and ignores answers it did not ask for', () => {
    const { exports, done } = session(false);
    exports.onMessage(checkpoint('x'));
    expect(done()).toBe(0);
    exports.onMessage(finished([]));
    expect(done()).toBe(1);
  });
});
