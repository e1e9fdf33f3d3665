// playground_random.py against src/engine/random.ts (the first numbers of several seeds and a
// shuffle order), and safetensors_io.py against the engine's safetensors writer and reader.

import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeSafetensors, encodeSafetensors } from '../engine/checkpoint/safetensors';
import { createRng, permutation } from '../engine/random';
import { pythonJson } from './testing/python';

const SEEDS = [0, 1, 42, 4294967295, 123456789];

describe('playground_random.py', { timeout: 30_000 }, () => {
  it('draws the engine’s numbers and shuffles in the engine’s order', () => {
    const engine = SEEDS.map((seed) => {
      const rng = createRng(seed);
      return {
        next: Array.from({ length: 6 }, () => rng.next()),
        uniform: rng.uniform(-2, 3),
        int: [rng.int(10), rng.int(4294967296), rng.int(7)],
        normal: Array.from({ length: 4 }, () => rng.normal()),
        order: Array.from(permutation(50, createRng(seed + 1))),
      };
    });
    const python = pythonJson<typeof engine>(
      `
import json, sys
from playground_random import Rng, permutation
out = []
for seed in json.loads(sys.argv[1]):
    rng = Rng(seed)
    out.append({"next": [rng.next() for _ in range(6)], "uniform": rng.uniform(-2, 3), "int": [rng.int(10), rng.int(4294967296), rng.int(7)],
                "normal": [rng.normal() for _ in range(4)], "order": permutation(50, Rng(seed + 1)).tolist()})
print(json.dumps(out))
`,
      [JSON.stringify(SEEDS)],
    );
    python.forEach((drawn, i) => {
      const { normal, ...exact } = drawn;
      const { normal: expected, ...exactExpected } = engine[i];
      expect(exact).toEqual(exactExpected);
      // Math.log and Math.cos may round their last bit differently from C's libm.
      normal.forEach((value, j) => expect(Math.abs(value - expected[j])).toBeLessThanOrEqual(1e-14 * Math.abs(expected[j])));
    });
  });
});

describe('safetensors_io.py', { timeout: 30_000 }, () => {
  it('writes the engine’s bytes and reads the engine’s files', () => {
    const dir = mkdtempSync(join(tmpdir(), 'export-st-'));
    const tensors = {
      'fc.weight': { dtype: 'F32' as const, shape: [2, 3], data: Float32Array.of(0.1, -2, 3.5, 4e-8, 5, 6) },
      'bn.num_batches_tracked': { dtype: 'I64' as const, shape: [], data: BigInt64Array.of(7n) },
      labels: { dtype: 'U8' as const, shape: [3], data: Uint8Array.of(1, 2, 250) },
    };
    const bytes = encodeSafetensors(tensors, { format: 'pt', model: 'tiny' });
    writeFileSync(join(dir, 'engine.safetensors'), bytes);
    const read = pythonJson<{ names: string[]; weight: number[]; count: number; metadata: Record<string, string> }>(
      `
import json, sys, numpy as np, safetensors_io as st
tensors, metadata = st.load_file(sys.argv[1] + "/engine.safetensors")
st.save_file({"fc.weight": tensors["fc.weight"], "bn.num_batches_tracked": np.array(7, dtype=np.int64), "labels": tensors["labels"]},
             sys.argv[1] + "/python.safetensors", {"format": "pt", "model": "tiny"})
print(json.dumps({"names": sorted(tensors), "weight": tensors["fc.weight"].ravel().tolist(), "count": int(tensors["bn.num_batches_tracked"]), "metadata": metadata}))
`,
      [dir],
    );
    expect(read).toEqual({
      names: ['bn.num_batches_tracked', 'fc.weight', 'labels'],
      weight: Array.from(tensors['fc.weight'].data),
      count: 7,
      metadata: { format: 'pt', model: 'tiny' },
    });
    const written = readFileSync(join(dir, 'python.safetensors'));
    expect(new Uint8Array(written)).toEqual(bytes);
    expect(decodeSafetensors(new Uint8Array(written)).metadata).toEqual({ format: 'pt', model: 'tiny' });
  });

  it('refuses a truncated file, naming it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'export-st-'));
    const bytes = encodeSafetensors({ w: { dtype: 'F32', shape: [4], data: new Float32Array(4) } });
    writeFileSync(join(dir, 'cut.safetensors'), bytes.subarray(0, bytes.length - 5));
    const result = pythonJson<{ message: string }>(
      `
import json, sys, safetensors_io as st
try:
    st.load_file(sys.argv[1])
    print(json.dumps({"message": ""}))
except st.SafetensorsError as error:
    print(json.dumps({"message": str(error)}))
`,
      [join(dir, 'cut.safetensors')],
    );
    expect(result.message).toMatch(/cut\.safetensors: tensor "w" ends at byte 16 of the data but the file holds only 11: the file is truncated/);
  });
});
