import { describe, expect, it } from 'vitest';
import { decodeSafetensors } from '../checkpoint/safetensors';
import { parseRunConfig, type RunConfig } from '../config/run-config';
import { IrisTrainingData } from '../data/iris-training-data';
import type { TrainingData } from '../data/training-data';
import { decodeModelCheckpoint } from '../nn/checkpoint';
import { modelPreset } from '../nn/presets';
import { ReferenceModel } from '../nn/reference-model';
import { testContext } from '../testing/gpu-test';
import type { TrainerEvent } from '../train/events';
import { Trainer } from '../train/trainer';
import type { LandscapeFrame } from './landscape-frame';

// The whole landscape on the seed's Iris model: the trainer snapshots two runs, the landscape
// fits a plane, places the snapshots and fills the grid; every number is then recomputed in
// float64 from what it exports (the plane as safetensors, each run's final weights).

function irisConfig(landscape: Record<string, unknown>): RunConfig {
  return parseRunConfig({
    task: 'tabular-classification',
    model: 'iris-mlp',
    batch_size: 10,
    epochs: 2,
    seed: 0,
    log_every: 15,
    data: { source: 'iris' },
    init: { 'fc1.weight': [0.2, 0.2] },
    runs: [
      { name: 'adam', optimizer: { type: 'adam', lr: 3e-2 } },
      { name: 'sgd', optimizer: { type: 'sgd', lr: 0.3, momentum: 0.9 } },
    ],
    landscape: { grid: 5, eval_size: 150, snapshot_every: 5, ...landscape },
  });
}

interface Session {
  frame: LandscapeFrame;
  frames: LandscapeFrame[];
  plane: Map<string, Float64Array>;
  weights: Map<string, Map<string, Float64Array>>;
  data: TrainingData;
}

/** Trains, waits for the settled frame, and exports the plane and every run's weights. */
async function landscapeSession(config: RunConfig): Promise<Session> {
  const ctx = await testContext();
  const data = new IrisTrainingData({ batchSize: config.batch_size, seed: config.seed, shuffle: true });
  const frames: LandscapeFrame[] = [];
  let settle: (frame: LandscapeFrame) => void = () => {};
  const settled = new Promise<LandscapeFrame>((resolve) => (settle = resolve));
  const emit = (event: TrainerEvent) => {
    if (event.type !== 'landscape') return;
    frames.push(event.frame);
    if (event.frame.settled) settle(event.frame);
  };
  const trainer = await Trainer.create({ ctx, config, data, emit });
  try {
    await trainer.run();
    const frame = await settled;
    const tensors = decodeSafetensors(await trainer.landscapeTensors()).tensors;
    const plane = new Map(Object.entries(tensors).map(([name, entry]) => [name, Float64Array.from(entry.data as Float32Array)]));
    const graph = modelPreset(config.model);
    const weights = new Map<string, Map<string, Float64Array>>();
    for (const run of trainer.runNames) {
      const state = decodeModelCheckpoint(graph, await trainer.checkpoint(run));
      weights.set(run, new Map([...state.values].map(([name, values]) => [name, Float64Array.from(values)])));
    }
    return { frame, frames, plane, weights, data };
  } finally {
    trainer.destroy();
  }
}

const NAMES = ['fc1.weight', 'fc1.bias', 'fc2.weight', 'fc2.bias'];
const dot = (a: Map<string, Float64Array>, b: Map<string, Float64Array>) =>
  NAMES.reduce((sum, name) => sum + a.get(name)!.reduce((s, v, i) => s + v * b.get(name)![i], 0), 0);
const combine = (terms: [number, Map<string, Float64Array>][]) =>
  new Map(NAMES.map((name) => [name, terms[0][1].get(name)!.map((_, i) => terms.reduce((sum, [c, m]) => sum + c * m.get(name)![i], 0))]));
const prefixed = (plane: Map<string, Float64Array>, prefix: string) => new Map(NAMES.map((name) => [name, plane.get(`${prefix}.${name}`)!]));

/** The float64 loss of `weights` on the evaluation set (all 150 flowers). */
async function referenceLoss(data: TrainingData, weights: Map<string, Float64Array>): Promise<number> {
  const set = await data.evaluationSet(150);
  const model = new ReferenceModel(modelPreset('iris-mlp'), 150, weights);
  return model.forward(set.inputs, set.targets, false).loss;
}

describe('Landscape on iris-mlp', () => {
  it('starts a new frame when the page changes the settings after training, and says what is wrong with a bad one', async () => {
    const ctx = await testContext();
    const config = irisConfig({ plane: 'pca' });
    const data = new IrisTrainingData({ batchSize: config.batch_size, seed: config.seed, shuffle: true });
    const frames: LandscapeFrame[] = [];
    let waiting: { test: (frame: LandscapeFrame) => boolean; resolve: (frame: LandscapeFrame) => void } | null = null;
    const next = (test: (frame: LandscapeFrame) => boolean) => new Promise<LandscapeFrame>((resolve) => (waiting = { test, resolve }));
    const emit = (event: TrainerEvent) => {
      if (event.type !== 'landscape') return;
      frames.push(event.frame);
      if (waiting?.test(event.frame)) waiting.resolve(event.frame);
    };
    const trainer = await Trainer.create({ ctx, config, data, emit });
    try {
      const first = next((frame) => frame.settled);
      await trainer.run();
      const settled = await first;
      expect(settled.alphas.length).toBe(5);

      const smaller = next((frame) => frame.settled && frame.id > settled.id);
      trainer.updateLandscape({ grid: 3, plane: 'weights', weights: ['fc2.weight[2, 0]', 'fc1.bias[0]'] });
      const again = await smaller;
      expect(again.plane).toBe('weights');
      expect(again.alphas.length).toBe(3);
      expect(again.filled).toBe(9);
      expect(again.axisLabels).toEqual(['fc2.weight[2, 0]', 'fc1.bias[0]']);

      const refused = next((frame) => /landscape stopped/.test(frame.choice.reason));
      trainer.updateLandscape({ weights: ['fc9.weight[0, 0]', 'fc1.bias[0]'] });
      expect((await refused).choice.reason).toMatch(/landscape\.weights\[0\].*fc9\.weight/);
    } finally {
      trainer.destroy();
    }
  });

  it('pca: one plane for both runs, a grid of true losses, snapshots placed and measured as float64 recomputes them', async () => {
    // share 1: the landscape may take as much time as the training, so it fits planes while the runs go on.
    const { frame, frames, plane, weights, data } = await landscapeSession(irisConfig({ plane: 'pca', share: 1 }));
    expect(frame.plane).toBe('pca');
    expect(frame.filled).toBe(25);
    expect(frame.losses.flat().every((loss) => loss !== null)).toBe(true);
    // The plane was fitted while the runs trained, and again as they went on.
    expect(new Set(frames.map((f) => f.id)).size).toBeGreaterThan(1);

    const runs = ['adam', 'sgd'];
    const points = (run: string) => frame.trajectories.filter((p) => p.run === run).sort((a, b) => a.step - b.step);
    for (const run of runs) expect(points(run).map((p) => p.step)).toEqual([0, 5, 10, 15, 20, 25, 30]);
    // Both runs start from the same weights, so from the same point.
    expect(points('sgd')[0].x).toBeCloseTo(points('adam')[0].x, 4);
    expect(points('sgd')[0].y).toBeCloseTo(points('adam')[0].y, 4);
    // The centre is adam's last snapshot.
    const center = prefixed(plane, 'center');
    const adamEnd = points('adam').at(-1)!;
    expect(Math.hypot(adamEnd.x, adamEnd.y, adamEnd.off_plane)).toBeLessThan(1e-4);
    expect(
      dot(
        combine([
          [1, center],
          [-1, weights.get('adam')!],
        ]),
        combine([
          [1, center],
          [-1, weights.get('adam')!],
        ]),
      ),
    ).toBeLessThan(1e-12);

    // Unit, orthogonal directions; the variance shares are ordered and at most 1 together.
    const dx = prefixed(plane, 'dir_x');
    const dy = prefixed(plane, 'dir_y');
    expect(dot(dx, dx)).toBeCloseTo(1, 5);
    expect(dot(dy, dy)).toBeCloseTo(1, 5);
    expect(Math.abs(dot(dx, dy))).toBeLessThan(1e-5);
    const [vx, vy] = frame.explainedVariance!;
    expect(vx).toBeGreaterThanOrEqual(vy);
    expect(vx + vy).toBeLessThanOrEqual(1 + 1e-9);

    // sgd's last snapshot: its coordinates are the dot products of θ − c with the directions, its distance the rest.
    const sgdEnd = points('sgd').at(-1)!;
    const offset = combine([
      [1, weights.get('sgd')!],
      [-1, center],
    ]);
    expect(sgdEnd.x).toBeCloseTo(dot(offset, dx), 4);
    expect(sgdEnd.y).toBeCloseTo(dot(offset, dy), 4);
    expect(sgdEnd.off_plane).toBeCloseTo(Math.sqrt(Math.max(0, dot(offset, offset) - dot(offset, dx) ** 2 - dot(offset, dy) ** 2)), 3);
    // Its loss on the evaluation set, as float64 measures it.
    expect(sgdEnd.eval_loss!).toBeCloseTo(await referenceLoss(data, weights.get('sgd')!), 5);

    // Grid values: the float64 loss at centre + α d_x + β d_y.
    for (const [i, j] of [
      [0, 0],
      [1, 3],
      [4, 2],
    ]) {
      const perturbed = combine([
        [1, center],
        [frame.alphas[i], dx],
        [frame.betas[j], dy],
      ]);
      expect(frame.losses[j][i]!).toBeCloseTo(await referenceLoss(data, perturbed), 5);
    }
    // The range covers every trajectory point.
    for (const p of frame.trajectories) {
      expect(p.x).toBeGreaterThanOrEqual(frame.alphas[0]);
      expect(p.x).toBeLessThanOrEqual(frame.alphas.at(-1)!);
    }
    expect(frame.fit.relativeOffPlane).not.toBeNull();
    expect(frame.fit.meanGap).not.toBeNull();
    expect(frame.budget.runs.map((r) => r.kept)).toEqual([7, 7]);
  });

  it("weights: the seed's plane, coordinates are the weights themselves, the other parameters the centre run's", async () => {
    const { frame, plane, weights, data } = await landscapeSession(
      irisConfig({ plane: 'weights', weights: ['fc1.weight[0, 0]', 'fc1.weight[0, 1]'], center_run: 'sgd' }),
    );
    expect(frame.axisLabels).toEqual(['fc1.weight[0, 0]', 'fc1.weight[0, 1]']);
    const start = frame.trajectories.find((p) => p.run === 'adam' && p.step === 0)!;
    expect(start.x).toBeCloseTo(0.2, 6);
    expect(start.y).toBeCloseTo(0.2, 6);
    const adamEnd = frame.trajectories.filter((p) => p.run === 'adam').at(-1)!;
    const adamWeights = weights.get('adam')!.get('fc1.weight')!;
    expect(adamEnd.x).toBeCloseTo(adamWeights[0], 5);
    expect(adamEnd.y).toBeCloseTo(adamWeights[1], 5);
    // The seed's picture: the recorded epoch-mean losses over their hull, at the grid's size.
    expect(frame.interpolated?.method).toMatch(/Delaunay/);
    expect(frame.interpolated?.alphas.length).toBe(5);
    // A grid value: sgd's weights with fc1.weight set to (α, β).
    const centered = new Map(weights.get('sgd')!);
    centered.set('fc1.weight', Float64Array.of(frame.alphas[3], frame.betas[1]));
    expect(frame.losses[1][3]!).toBeCloseTo(await referenceLoss(data, centered), 5);
    expect(plane.get('dir_x.fc1.weight')).toEqual(Float64Array.of(1, 0));
    expect(plane.get('dir_y.fc1.weight')).toEqual(Float64Array.of(0, 1));
  });

  it('random: filter-normalised directions, biases 0, centred on the shared start', async () => {
    const { frame, plane } = await landscapeSession(irisConfig({ plane: 'random', center: 'start', seed: 7, grid: 3 }));
    expect(frame.plane).toBe('random');
    expect(frame.centerLabel).toMatch(/shared start/);
    const center = prefixed(plane, 'center');
    for (const prefix of ['dir_x', 'dir_y']) {
      const direction = prefixed(plane, prefix);
      expect([...direction.get('fc1.bias')!, ...direction.get('fc2.bias')!].every((v) => v === 0)).toBe(true);
      // fc2.weight (3, 1): each row (filter) has the norm of the centre's row.
      const d = direction.get('fc2.weight')!;
      const c = center.get('fc2.weight')!;
      for (let f = 0; f < 3; f++) expect(Math.abs(d[f])).toBeCloseTo(Math.abs(c[f]), 5);
    }
    const start = frame.trajectories.find((p) => p.step === 0)!;
    expect(Math.hypot(start.x, start.y, start.off_plane)).toBeLessThan(1e-5);
  });
});
