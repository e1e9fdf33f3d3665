import { describe, expect, it } from 'vitest';
import { summariseStep, WHOLE_MODEL } from './step-profile';
import type { TimedDispatch } from './step-recorder';

const dispatches: TimedDispatch[] = [
  { op: 'conv2d_forward', layer: 'conv1', phase: 'forward', ms: 2 },
  { op: 'relu_forward', layer: 'relu1', phase: 'forward', ms: 0.5 },
  { op: 'softmax_cross_entropy', layer: 'loss', phase: 'forward', ms: 0.25 },
  { op: 'relu_backward', layer: 'relu1', phase: 'backward', ms: 0.75 },
  { op: 'conv2d_backward_weight', layer: 'conv1', phase: 'backward', ms: 3 },
  { op: 'gram', layer: 'conv1', phase: 'optimizer', ms: 4 },
  { op: 'adam_update', layer: '', phase: 'optimizer', ms: 1 },
];

describe('summariseStep', () => {
  it('sums by phase in step order and by layer in order of first dispatch, each dispatch once', () => {
    const profile = summariseStep({ method: 'op-by-op', dispatches, submitOverheadMs: 0.125 });
    expect(profile.total_ms).toBe(11.5);
    expect(profile.by_phase).toEqual([
      { name: 'forward', ms: 2.75, dispatches: 3 },
      { name: 'backward', ms: 3.75, dispatches: 2 },
      { name: 'optimizer', ms: 5, dispatches: 2 },
    ]);
    expect(profile.by_layer).toEqual([
      { name: 'conv1', ms: 9, dispatches: 3, phases: { forward: 2, backward: 3, optimizer: 4 } },
      { name: 'relu1', ms: 1.25, dispatches: 2, phases: { forward: 0.5, backward: 0.75 } },
      { name: 'loss', ms: 0.25, dispatches: 1, phases: { forward: 0.25 } },
      { name: WHOLE_MODEL, ms: 1, dispatches: 1, phases: { optimizer: 1 } },
    ]);
    expect(profile.dispatches).toBe(dispatches);
    expect(profile.submit_overhead_ms).toBe(0.125);
    expect(profile.note).toMatch(/submitted alone/);
  });

  it('says when the GPU timed the dispatches', () => {
    const profile = summariseStep({ method: 'timestamps', dispatches: [], submitOverheadMs: null });
    expect(profile).toMatchObject({ method: 'timestamps', total_ms: 0, by_phase: [], by_layer: [], submit_overhead_ms: null });
    expect(profile.note).toMatch(/timestamps/);
  });
});
