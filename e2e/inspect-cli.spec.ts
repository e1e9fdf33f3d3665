import { expect, test } from '@playwright/test';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { decodeSafetensors } from '../src/engine/checkpoint/safetensors';

// `npm run train` with an inspect section: factors.safetensors, frequency.safetensors and
// inspect.json per run, checked against each other the way a person would check them in NumPy;
// and bad inspect input refused one item at a time while training goes on.

function train(args: string[]) {
  return spawnSync('npx', ['tsx', 'scripts/train.ts', ...args], { encoding: 'utf8', timeout: 600_000 });
}

/** cnn-small on synthetic images, AdaFisher and Adam, a measurement every 2 steps. */
function config(inspect: Record<string, unknown>) {
  return {
    model: 'cnn-small',
    data: { source: 'synthetic', train_size: 64, test_size: 16 },
    batch_size: 8,
    steps: 6,
    log_every: 2,
    seed: 3,
    runs: [
      { name: 'adafisher', optimizer: { type: 'adafisher', lr: 1e-4, tcov: 2 } },
      { name: 'adam', optimizer: { type: 'adam', lr: 1e-3 } },
    ],
    inspect: { every: 2, ...inspect },
  };
}

function run(inspect: Record<string, unknown>) {
  const folder = mkdtempSync(join(tmpdir(), 'inspect-'));
  const file = join(folder, 'config.yaml');
  writeFileSync(file, stringify(config(inspect)));
  const out = join(folder, 'out');
  const result = train(['--config', file, '--out', out]);
  expect(result.status, result.stderr + result.stdout).toBe(0);
  return { result, out };
}

interface InspectJson {
  run: string;
  every: number;
  layers: { layer: string; h_size: number; s_size: number }[];
  measurements: {
    step: number;
    diagonal_shares: { layer: string; h: number; s: number }[];
    fisher: { damping: number; layers: { min: number; median: number; max: number }[] } | null;
  }[];
  factors: {
    layer: string;
    side: string;
    step: number;
    tensor: string;
    n: number;
    diagonal_share: number;
    snr_db: number;
    gershgorin: { centers: number[]; radii: number[] };
    eigenvalues: { re: number[]; im: number[] };
    perturbation: { clean: number[]; noisy: number[] };
  }[];
}

test("npm run train with inspect: writes each run's full factors, their frequency fields and inspect.json, which agree", async () => {
  test.setTimeout(900_000);
  const { result, out } = run({ layers: ['conv1', 'conv2'], steps: [0, 4] });
  expect(result.stdout).toMatch(/\[adam\] inspect step 4: diagonal share H\/S conv1 [\d.]+\/[\d.]+, conv2 [\d.]+\/[\d.]+, fc [\d.]+\/[\d.]+; 4 full factors/);
  for (const name of ['adafisher', 'adam']) {
    const folder = join(out, name);
    const json = JSON.parse(readFileSync(join(folder, 'inspect.json'), 'utf8')) as InspectJson;
    expect(json.every).toBe(2);
    expect(json.layers.map((layer) => [layer.layer, layer.h_size, layer.s_size])).toEqual([
      ['conv1', 27, 16],
      ['conv2', 144, 32],
      ['fc', 2048, 10],
    ]);
    expect(json.measurements.map((m) => m.step)).toEqual([0, 2, 4]);
    for (const measurement of json.measurements) {
      expect(measurement.diagonal_shares.map((share) => share.layer)).toEqual(['conv1', 'conv2', 'fc']);
      for (const share of measurement.diagonal_shares.flatMap(({ h, s }) => [h, s])) {
        expect(share).toBeGreaterThan(0);
        expect(share).toBeLessThanOrEqual(1);
      }
      if (name === 'adafisher') {
        expect(measurement.fisher!.damping).toBe(1e-3);
        for (const layer of measurement.fisher!.layers) {
          expect(layer.min).toBeGreaterThanOrEqual(1e-3);
          expect(layer.max).toBeGreaterThanOrEqual(layer.median);
        }
      } else expect(measurement.fisher).toBeNull();
    }
    const { tensors } = decodeSafetensors(readFileSync(join(folder, 'factors.safetensors')));
    const frequency = decodeSafetensors(readFileSync(join(folder, 'frequency.safetensors'))).tensors;
    expect(Object.keys(tensors).sort()).toEqual([
      'conv1.H.step0',
      'conv1.H.step4',
      'conv1.S.step0',
      'conv1.S.step4',
      'conv2.H.step0',
      'conv2.H.step4',
      'conv2.S.step0',
      'conv2.S.step4',
    ]);
    expect(Object.keys(frequency).sort()).toEqual(Object.keys(tensors).sort());
    expect(json.factors.map((factor) => factor.tensor).sort()).toEqual(Object.keys(tensors).sort());
    for (const factor of json.factors) {
      const tensor = tensors[factor.tensor];
      expect(tensor.shape).toEqual([factor.n, factor.n]);
      const m = tensor.data as Float32Array;
      const n = factor.n;
      // The running average of min-max normalised measurements from the identity: every entry in [0, 1].
      expect(Math.min(...m)).toBeGreaterThanOrEqual(0);
      expect(Math.max(...m)).toBeLessThanOrEqual(1);
      // Gershgorin centres and radii, the diagonal share and the eigenvalues' sum from the matrix itself.
      let trace = 0;
      let diagonal = 0;
      let total = 0;
      for (let i = 0; i < n; i++) {
        let row = 0;
        for (let j = 0; j < n; j++) {
          row += Math.abs(m[i * n + j]);
          total += m[i * n + j] ** 2;
        }
        trace += m[i * n + i];
        diagonal += m[i * n + i] ** 2;
        expect(factor.gershgorin.centers[i]).toBeCloseTo(m[i * n + i], 6);
        expect(factor.gershgorin.radii[i]).toBeCloseTo(row - Math.abs(m[i * n + i]), 5);
      }
      expect(factor.diagonal_share).toBeCloseTo(diagonal / total, 6);
      expect(factor.eigenvalues.re.reduce((a, b) => a + b, 0)).toBeCloseTo(trace, 4);
      expect(factor.eigenvalues.re).toHaveLength(n);
      expect(factor.perturbation.clean).toHaveLength(n);
      expect(factor.perturbation.noisy).toHaveLength(n);
      expect(Number.isFinite(factor.snr_db)).toBe(true);
      expect(frequency[factor.tensor].shape).toEqual([n, n]);
    }
  }
});

test('bad inspect input is refused item by item with the name, the reason and what is allowed, and training goes on', async () => {
  test.setTimeout(900_000);
  const { result, out } = run({ layers: ['pool1', 'conv9', 'conv1'], steps: [3, 4, 100], runs: ['adam'] });
  const allowed = '(layers that can be inspected: conv1, conv2, fc)';
  expect(result.stderr).toContain(
    `warning: Inspector: "pool1" is a maxpool2d layer of cnn-small; only Linear and Conv2d layers have Kronecker factors ${allowed}; training goes on.`,
  );
  expect(result.stderr).toContain(`warning: Inspector: cnn-small has no layer named "conv9" ${allowed}; training goes on.`);
  expect(result.stderr).toContain('warning: Inspector: step 3 is not a measurement step of run "adam" (one every 2 steps: use 2 or 4); training goes on.');
  expect(result.stderr).toContain('warning: Inspector: step 100 is past the end of the session (steps 0 to 5 are trained) for run "adam"; training goes on.');
  expect(result.stdout).toMatch(/\[adam\] finished/);
  expect(result.stdout).toMatch(/\[adafisher\] finished/);
  const json = JSON.parse(readFileSync(join(out, 'adam', 'inspect.json'), 'utf8')) as InspectJson;
  expect(json.factors.map((factor) => factor.tensor).sort()).toEqual(['conv1.H.step4', 'conv1.S.step4']);
  expect(() => readFileSync(join(out, 'adafisher', 'inspect.json'))).toThrow(/ENOENT/);
});
