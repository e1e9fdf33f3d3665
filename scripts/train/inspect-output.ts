// The inspector's files for one run (docs/adafisher-inspector.md): its full factors, their
// frequency fields and inspect.json, with each factor analysed in float64 by the same code as the
// page's analysis worker.

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodeSafetensors } from '../../src/engine/checkpoint/safetensors';
import type { RunConfig, RunSpec } from '../../src/engine/config/run-config';
import { analyseFactor } from '../../src/engine/inspect/analysis/analyse-factor';
import { factorTensorName, factorTensors, frequencyTensors, inspectJson, type AnalysedFactor } from '../../src/engine/inspect/inspect-files';
import { DEFAULT_INSPECT_EVERY, type InspectionRecord } from '../../src/engine/inspect/inspect-types';
import { inspectableLayers } from '../../src/engine/inspect/inspectable-layers';
import { modelPreset } from '../../src/engine/nn/presets';

/** The measurement interval the trainer used for this run (the inspect section's, or an AdaFisher run's tcov, or the default). */
function inspectEvery(config: RunConfig, run: RunSpec): number {
  if (config.inspect?.every) return config.inspect.every;
  return run.optimizer.type === 'adafisher' || run.optimizer.type === 'adafisherw' ? run.optimizer.tcov : DEFAULT_INSPECT_EVERY;
}

/** Analyses every full factor of the run's records and writes factors.safetensors, frequency.safetensors and inspect.json into `folder`. */
export function writeInspection(folder: string, config: RunConfig, run: RunSpec, records: readonly InspectionRecord[], log: (line: string) => void): void {
  const analysed: AnalysedFactor[] = [];
  for (const record of records) {
    for (const factor of record.factors) {
      const analysis = analyseFactor(factor.values, factor.n, { seed: config.seed });
      log(
        `[${run.name}] analysed ${factorTensorName(factor.layer, factor.side, record.step)} (${factor.n} x ${factor.n}) in ${(analysis.milliseconds / 1000).toFixed(2)} s`,
      );
      analysed.push({ layer: factor.layer, side: factor.side, step: record.step, analysis });
    }
  }
  const metadata = { run: run.name, model: config.model, optimizer: run.optimizer.type };
  if (analysed.length) {
    writeFileSync(join(folder, 'factors.safetensors'), encodeSafetensors(factorTensors(records), metadata));
    writeFileSync(join(folder, 'frequency.safetensors'), encodeSafetensors(frequencyTensors(analysed), metadata));
  }
  const document = {
    run: run.name,
    optimizer: run.optimizer.type,
    model: config.model,
    every: inspectEvery(config, run),
    layers: inspectableLayers(modelPreset(config.model), config.batch_size),
    records,
    analysed,
  };
  writeFileSync(join(folder, 'inspect.json'), inspectJson(document));
  log(`[${run.name}] inspect.json${analysed.length ? ', factors.safetensors and frequency.safetensors' : ''} -> ${folder}`);
}
