// Which run gets which inspection: the settings (from the page's panel or a config's inspect
// section) checked against the model, the runs and the session's length. What cannot be met is
// refused with a sentence; the rest goes ahead, and training is never stopped by it.

import { adafisherSchema, type InspectConfig, type OptimizerConfig } from '../config/run-config';
import type { ModelGraph } from '../nn/graph';
import { averageWeights } from '../optim/adafisher-factors.ref';
import { DEFAULT_INSPECT_EVERY, INSPECT_OFF, type InspectSettings } from './inspect-types';
import { checkInspectedLayer } from './inspectable-layers';
import type { RunInspectorOptions } from './run-inspector';

export interface InspectionPlan {
  /** One entry per inspected run, in the session's run order. */
  readonly runs: readonly RunInspectorOptions[];
  readonly refusals: readonly string[];
}

export interface InspectedSession {
  readonly graph: ModelGraph;
  readonly batch: number;
  readonly totalSteps: number;
  readonly runs: readonly { readonly name: string; readonly optimizer: OptimizerConfig }[];
  /** The device's largest storage-buffer binding, in bytes. */
  readonly maxBufferBytes: number;
}

/** The settings a config's inspect section stands for. */
export function settingsFromConfig(inspect: InspectConfig | undefined, runNames: readonly string[]): InspectSettings {
  if (!inspect?.enabled) return INSPECT_OFF;
  const runs = inspect.runs ?? runNames;
  return {
    enabled: true,
    runs: inspect.runs ?? null,
    full: runs.flatMap((run) => inspect.layers.map((layer) => ({ run, layer }))),
    every: inspect.every ?? null,
    steps: inspect.steps ?? null,
  };
}

/** The seed's averaging for runs that are not AdaFisher: AdaFisher's default weights (keep 0.08, add 0.008). */
const DEFAULT_AVERAGE = averageWeights(adafisherSchema.parse({ type: 'adafisher', lr: 1e-3 }));

function isAdaFisher(optimizer: OptimizerConfig): optimizer is Extract<OptimizerConfig, { type: 'adafisher' | 'adafisherw' }> {
  return optimizer.type === 'adafisher' || optimizer.type === 'adafisherw';
}

/** Checks the settings against the session; each problem becomes one refusal naming it, the reason and what is allowed. */
export function planInspection(settings: InspectSettings, session: InspectedSession): InspectionPlan {
  if (!settings.enabled) return { runs: [], refusals: [] };
  const refusals: string[] = [];
  const names = session.runs.map((run) => run.name);
  for (const name of settings.runs ?? []) {
    if (!names.includes(name)) refusals.push(`Inspector: no run named "${name}"; runs are ${names.join(', ')}`);
  }
  for (const { run } of settings.full) {
    if (!names.includes(run)) refusals.push(`Inspector: no run named "${run}" to inspect layers of; runs are ${names.join(', ')}`);
  }
  const layerChecks = new Map<string, string | null>();
  for (const { layer } of settings.full) {
    if (layerChecks.has(layer)) continue;
    const checked = checkInspectedLayer(session.graph, session.batch, layer, session.maxBufferBytes);
    layerChecks.set(layer, typeof checked === 'string' ? checked : null);
    if (typeof checked === 'string') refusals.push(checked);
  }
  const runs: RunInspectorOptions[] = [];
  for (const { name, optimizer } of session.runs) {
    if (settings.runs && !settings.runs.includes(name)) continue;
    const every = settings.every ?? (isAdaFisher(optimizer) ? optimizer.tcov : DEFAULT_INSPECT_EVERY);
    const { keep, add } = isAdaFisher(optimizer) ? averageWeights(optimizer) : DEFAULT_AVERAGE;
    const fullLayers = [...new Set(settings.full.filter((entry) => entry.run === name && layerChecks.get(entry.layer) === null).map((entry) => entry.layer))];
    let fullSteps: number[] | null = null;
    if (settings.steps) {
      fullSteps = settings.steps.filter((step) => {
        const last = session.totalSteps - 1;
        if (step > last) refusals.push(`Inspector: step ${step} is past the end of the session (steps 0 to ${last} are trained) for run "${name}"`);
        else if (step % every !== 0) {
          const below = step - (step % every);
          refusals.push(`Inspector: step ${step} is not a measurement step of run "${name}" (one every ${every} steps: use ${below} or ${below + every})`);
        } else return true;
        return false;
      });
    }
    runs.push({ run: name, every, keep, add, fullLayers, fullSteps });
  }
  return { runs, refusals: [...new Set(refusals)] };
}
