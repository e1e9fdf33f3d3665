// The layers the panel offers: every Linear and Conv2d layer of the session's model at its
// batch size, each with the reason it cannot be inspected on this device (a factor larger than
// the adapter's storage-buffer limit), in the engine's own words.

import { checkInspectedLayer, inspectableLayers } from '../../engine/inspect/inspectable-layers';
import type { InspectableLayer } from '../../engine/inspect/inspect-types';
import { modelPreset } from '../../engine/nn/presets';
import type { GpuStatus } from '../playground-state';
import type { Setup } from '../setup';

export interface OfferedLayer {
  readonly layer: InspectableLayer;
  /** Why it cannot be inspected here, or null. */
  readonly refusal: string | null;
}

/** The adapter's storage-buffer limit, once the page knows the adapter. */
export function maxBufferBytes(gpu: GpuStatus): number | null {
  return gpu.state === 'ready' ? gpu.adapter.maxStorageBufferBindingSize : null;
}

/** The model's inspectable layers in graph order (none for a setup whose model is unknown). */
export function offeredLayers(setup: Pick<Setup, 'model' | 'batchSize'> | null, maxBytes: number | null): OfferedLayer[] {
  if (!setup) return [];
  let graph;
  try {
    graph = modelPreset(setup.model);
  } catch {
    return [];
  }
  return inspectableLayers(graph, setup.batchSize).map((layer) => {
    if (maxBytes === null) return { layer, refusal: null };
    const checked = checkInspectedLayer(graph, setup.batchSize, layer.layer, maxBytes);
    return { layer, refusal: typeof checked === 'string' ? checked : null };
  });
}

/** The run and layer the panel shows: the chosen ones, else the first run and the first layer the device can inspect. */
export function resolvedChoice(
  selection: { run: string | null; layer: string | null },
  runNames: readonly string[],
  layers: readonly OfferedLayer[],
): { run: string | null; layer: string | null } {
  const run = selection.run && runNames.includes(selection.run) ? selection.run : (runNames[0] ?? null);
  const layer =
    selection.layer && layers.some((offered) => offered.layer.layer === selection.layer)
      ? selection.layer
      : (layers.find((offered) => offered.refusal === null)?.layer.layer ?? null);
  return { run, layer };
}
