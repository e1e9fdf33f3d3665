import { describe, expect, it } from 'vitest';
import { parseRunConfig, type RunConfig } from '../config/run-config';
import { createImageTrainingData } from '../data/image-training-data';
import { generateSyntheticImages } from '../data/synthetic-images';
import { INSPECT_OFF, type InspectionRecord } from '../inspect/inspect-types';
import { testContext } from '../testing/gpu-test';
import type { TrainerEvent } from './events';
import { Trainer } from './trainer';

// The trainer's side of the inspector: a config's inspect section measures from step 0, the
// page's settings take effect before the next step and INSPECT_OFF frees everything, bad
// requests are refused while training goes on.

const train = generateSyntheticImages(64, 1);
const test = generateSyntheticImages(8, 2);

function configWith(extra: Record<string, unknown> = {}): RunConfig {
  return parseRunConfig({
    model: 'cnn-small',
    batch_size: 4,
    steps: 7,
    seed: 3,
    log_every: 100,
    data: { augment: 'none' },
    runs: [
      { name: 'adafisher', optimizer: { type: 'adafisher', lr: 1e-4, tcov: 2 } },
      { name: 'adam', optimizer: { type: 'adam', lr: 1e-3 } },
    ],
    ...extra,
  });
}

async function trainSession(config: RunConfig, during?: (trainer: Trainer, event: TrainerEvent) => void) {
  const ctx = await testContext();
  const events: TrainerEvent[] = [];
  const data = createImageTrainingData(train, test, { batchSize: config.batch_size, seed: config.seed, shuffle: true, augment: 'none', normalize: true });
  let trainer: Trainer | null = null;
  trainer = await Trainer.create({
    ctx,
    config,
    data,
    emit: (event) => {
      events.push(event);
      during?.(trainer!, event);
    },
  });
  try {
    const summaries = await trainer.run();
    const records = events.filter((e): e is Extract<TrainerEvent, { type: 'inspection' }> => e.type === 'inspection').map((e) => e.record);
    const refusals = events.filter((e): e is Extract<TrainerEvent, { type: 'inspect-refused' }> => e.type === 'inspect-refused').map((e) => e.message);
    return { summaries, records, refusals };
  } finally {
    trainer.destroy();
  }
}

const stepsOf = (records: InspectionRecord[], run: string) => records.filter((r) => r.run === run).map((r) => r.step);

describe('Trainer with the inspector', () => {
  it("measures every run on the inspect section's steps, full factors on its chosen steps, F̃ for AdaFisher only", async () => {
    const { summaries, records, refusals } = await trainSession(configWith({ inspect: { layers: ['conv1'], every: 2, steps: [0, 4] } }));
    expect(refusals).toEqual([]);
    expect(summaries.map((s) => s.state)).toEqual(['finished', 'finished']);
    expect(stepsOf(records, 'adafisher')).toEqual([0, 2, 4, 6]);
    expect(stepsOf(records, 'adam')).toEqual([0, 2, 4, 6]);
    for (const record of records) {
      expect(record.shares.map((share) => share.layer)).toEqual(['conv1', 'conv2', 'fc']);
      for (const { h, s } of record.shares) for (const share of [h, s]) expect(share > 0 && share <= 1).toBe(true);
      expect(record.fisher === null).toBe(record.run === 'adam');
      expect(record.factors.map((f) => `${f.layer}.${f.side}:${f.n}`)).toEqual([0, 4].includes(record.step) ? ['conv1.H:27', 'conv1.S:16'] : []);
    }
    // Exactly symmetric, so the analyses decompose each factor once with the symmetric solver.
    for (const { n, values } of records.flatMap((record) => record.factors)) {
      for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) if (values[i * n + j] !== values[j * n + i]) throw new Error(`asymmetric at (${i}, ${j})`);
    }
    // Step 0: both runs start from the same weights on the same batch, so they measure the same factors.
    const [first, second] = records.filter((record) => record.step === 0);
    expect(second.shares).toEqual(first.shares);
    expect(Array.from(second.factors[0].values)).toEqual(Array.from(first.factors[0].values));
  });

  it("applies the page's settings before the next step, refuses what cannot be met, and frees everything when closed", async () => {
    const pool = (await testContext()).pool;
    const inspectorBytes = () => [...pool.owners()].filter(([owner]) => owner.includes(':inspector')).reduce((sum, [, bytes]) => sum + bytes, 0);
    let heldWhileOpen = 0;
    let heldAfterClose = -1;
    const { summaries, records, refusals } = await trainSession(configWith(), (trainer, event) => {
      if (event.type !== 'progress') return;
      if (event.step === 2) {
        trainer.updateInspect({
          enabled: true,
          runs: ['adam'],
          full: [
            { run: 'adam', layer: 'fc' },
            { run: 'adam', layer: 'relu1' },
          ],
          every: 2,
          steps: null,
        });
      }
      if (event.step === 4) heldWhileOpen = inspectorBytes();
      if (event.step === 5) trainer.updateInspect(INSPECT_OFF);
      if (event.step === 6) heldAfterClose = inspectorBytes();
    });
    expect(summaries.map((s) => s.state)).toEqual(['finished', 'finished']);
    expect(refusals).toEqual([expect.stringMatching(/Inspector: "relu1" is a relu layer of cnn-small; only Linear and Conv2d layers have Kronecker factors/)]);
    expect(stepsOf(records, 'adafisher')).toEqual([]);
    expect(stepsOf(records, 'adam')).toEqual([2, 4]);
    for (const record of records) expect(record.factors.map((f) => `${f.layer}.${f.side}:${f.n}`)).toEqual(['fc.H:2048', 'fc.S:10']);
    // fc's H alone is 2048 x 2048 floats, kept while open and released when closed.
    expect(heldWhileOpen).toBeGreaterThan(2048 * 2048 * 4);
    expect(heldAfterClose).toBe(0);
  });
});
