// Where one training step's GPU time goes: every dispatch with its op, layer, phase and time,
// and the totals by phase and by layer. Plain data: the worker posts it, the bench writes it.

import type { StepPhase } from './compute-plan';
import type { ProfileMethod, StepTiming, TimedDispatch } from './step-recorder';

export interface ProfileGroup {
  readonly name: string;
  readonly ms: number;
  readonly dispatches: number;
}

export interface LayerGroup extends ProfileGroup {
  /** The layer's milliseconds in each phase it has dispatches in. */
  readonly phases: Partial<Record<StepPhase, number>>;
}

export interface StepProfile {
  readonly method: ProfileMethod;
  /** What the times include, in a sentence for the page and the JSON's reader. */
  readonly note: string;
  /** In the order the step runs them, each once. */
  readonly dispatches: readonly TimedDispatch[];
  readonly total_ms: number;
  /** Phases in step order, only those with dispatches. */
  readonly by_phase: readonly ProfileGroup[];
  /** Layers in the order of their first dispatch; WHOLE_MODEL for dispatches that span every parameter. */
  readonly by_layer: readonly LayerGroup[];
  /** Op by op: the round trip of an empty submit, which each dispatch's time includes; null with timestamps. */
  readonly submit_overhead_ms: number | null;
}

export const STEP_PHASES: readonly StepPhase[] = ['forward', 'backward', 'optimizer', 'inspector', 'landscape'];

/** The layer name of dispatches tagged with none: an update or reduction over every parameter at once. */
export const WHOLE_MODEL = '(whole model)';

export function profileNote(method: ProfileMethod): string {
  return method === 'timestamps'
    ? 'GPU timestamps around each dispatch, each in a compute pass of its own, all in one submit.'
    : 'No timestamp queries on this device: each dispatch was submitted alone and timed until the GPU finished it, so each time includes one submit round trip (submit_overhead_ms).';
}

export function summariseStep(timing: StepTiming): StepProfile {
  const phases = new Map<StepPhase, { ms: number; dispatches: number }>();
  const layers = new Map<string, { ms: number; dispatches: number; phases: Partial<Record<StepPhase, number>> }>();
  let total = 0;
  for (const { layer, phase, ms } of timing.dispatches) {
    total += ms;
    const byPhase = phases.get(phase) ?? { ms: 0, dispatches: 0 };
    byPhase.ms += ms;
    byPhase.dispatches++;
    phases.set(phase, byPhase);
    const name = layer || WHOLE_MODEL;
    const byLayer = layers.get(name) ?? { ms: 0, dispatches: 0, phases: {} };
    byLayer.ms += ms;
    byLayer.dispatches++;
    byLayer.phases[phase] = (byLayer.phases[phase] ?? 0) + ms;
    layers.set(name, byLayer);
  }
  return {
    method: timing.method,
    note: profileNote(timing.method),
    dispatches: timing.dispatches,
    total_ms: total,
    by_phase: STEP_PHASES.flatMap((phase) => {
      const group = phases.get(phase);
      return group ? [{ name: phase, ...group }] : [];
    }),
    by_layer: [...layers].map(([name, group]) => ({ name, ...group })),
    submit_overhead_ms: timing.submitOverheadMs,
  };
}

const percent = (part: number, whole: number) => `${whole > 0 ? Math.round((100 * part) / whole) : 0} %`;

/** The phases, and the `topLayers` costliest layers, each with its time and share: "forward 3.0 ms (30 %), …". */
export function profileShares(profile: StepProfile, topLayers = 5): { phases: string; layers: string } {
  const total = profile.total_ms;
  const phases = profile.by_phase.map((phase) => `${phase.name} ${phase.ms.toFixed(1)} ms (${percent(phase.ms, total)})`).join(', ');
  const layers = [...profile.by_layer]
    .sort((a, b) => b.ms - a.ms)
    .slice(0, topLayers)
    .map((layer) => `${layer.name} ${layer.ms.toFixed(1)} ms (${percent(layer.ms, total)})`)
    .join(', ');
  return { phases, layers };
}
