// The inverse p-th roots of a batch of symmetric positive semi-definite statistics of different
// sizes, on the GPU: ASDL's ComputePower (power iteration for λmax, the ridge added in place,
// the coupled Newton iteration with its stopping and rejection rules), as matrix-root.ref.ts
// writes it in float64.
//
// A step reads nothing back, so the Newton loop is recorded at its full length once, and a
// per-matrix state word says which matrices still iterate: after each step one small dispatch
// applies ASDL's stopping rules and lists the tiles of the matrices still iterating, and the
// products of the next step launch one workgroup per listed tile (dispatchWorkgroupsIndirect), so
// a matrix that converged, was rejected or hit the limit costs nothing afterwards. All matrices
// share every dispatch, so the count depends on the iteration limit and the largest exponent only:
//   start (power iteration, ridge, X_0, M_0), the first list                          2
//   per Newton step: X' = X T and T^2 (one dispatch, T formed from M while staging),
//                    log2(p_max) - 1 squarings, M' = T^p M with max|M' - I|, the rules and the list
//   emit (the roots and their non-finite flags), report (the first non-finite root)   2

import applyKernel from '../../../../shaders/matrix-root/apply.wgsl?raw';
import compactShader from '../../../../shaders/matrix-root/compact.wgsl?raw';
import emitShader from '../../../../shaders/matrix-root/emit.wgsl?raw';
import newtonTiles from '../../../../shaders/matrix-root/newton-tiles.wgsl?raw';
import reportShader from '../../../../shaders/matrix-root/report.wgsl?raw';
import rootSquareKernel from '../../../../shaders/matrix-root/root-square.wgsl?raw';
import squareKernel from '../../../../shaders/matrix-root/square.wgsl?raw';
import startKernel from '../../../../shaders/matrix-root/start.wgsl?raw';
import { f32, u32, type ComputePlan } from '../../gpu/compute-plan';
import type { GpuContext } from '../../gpu/context';
import { STORAGE_USAGE } from '../../gpu/buffer-pool';
import { BYTES_PER_ELEMENT, tensorView, type GpuTensor } from '../../gpu/tensor';
import { readTensorU32, writeTensor } from '../../gpu/transfer';
import { expectDtypes, expectNoAliasing, expectSizes } from '../launch-checks';
import type { MatrixTable } from '../matrix-table';
import { withPhilox } from '../philox/philox';
import { tileGrid, withRegisterTile } from '../register-tile';
import { REDUCTION_WORKGROUP } from '../workgroups';
import {
  DESCRIPTOR_WORDS,
  GPU_EXPONENTS,
  NEWTON_ITERATIONS,
  NEWTON_TOLERANCE,
  POWER_ITERATIONS,
  POWER_TOLERANCE,
  REJECT_FACTOR,
  rootStop,
  squaringsFor,
  STATE_WORDS,
  StateWord,
  type RootStop,
} from './matrix-root-shape';

const startShader = withPhilox(startKernel);
const rootSquareShader = withRegisterTile(`${newtonTiles}\n${rootSquareKernel}`);
const squareShader = withRegisterTile(`${newtonTiles}\n${squareKernel}`);
const applyShader = withRegisterTile(`${newtonTiles}\n${applyKernel}`);

export interface InverseRootSpec {
  /** Every statistic, packed as `table` says; the ridge damping·λmax·I is added in place, as ASDL does. */
  readonly statistics: GpuTensor;
  /** Written with each root where its statistic sits; a separate buffer of the same size. */
  readonly roots: GpuTensor;
  readonly table: MatrixTable;
  /** p per matrix: its root is (S + ridge I)^(-1/p). */
  readonly exponents: readonly number[];
  /** u32 [1]: the power iteration's Philox counter word 1 (the optimizer step). */
  readonly step: GpuTensor;
  /** u32 [3]: (1, matrix, step) of the first root found non-finite, kept once set; (0, 0, 0) before. */
  readonly status: GpuTensor;
  /** The Philox key of the power iteration's start vectors; matrix i uses counter word 2 = i. */
  readonly seed: number;
  readonly stream: number;
  /** The ridge relative to λmax. */
  readonly damping: number;
  /** Newton steps recorded (ASDL's iter_count, 100). */
  readonly maxIterations?: number;
  readonly tolerance?: number;
  /** The power iteration's limit (ASDL's 100). */
  readonly powerIterations?: number;
}

/** What a matrix's last run left in the GPU state. */
export interface MatrixRootState {
  readonly stop: RootStop;
  readonly iterations: number;
  readonly error: number;
  readonly lambda: number;
  readonly powerIterations: number;
  readonly norm: number;
}

export interface InverseRootBatch {
  /** Dispatches `record` adds: 4 + maxIterations * (log2(p_max) + 2). */
  readonly dispatches: number;
  /** Adds every dispatch of one ComputePower over the batch to a plan (which must run after the statistics are final). */
  record(plan: ComputePlan): void;
  /** The per-matrix state of the last run (a read-back: tests and diagnostics only). */
  readState(): Promise<MatrixRootState[]>;
}

/** Invocations of the one-workgroup pass between Newton steps (the rules per matrix, the tile list). */
const COMPACT_WORKGROUP = 64;

/** Newton product tiles: square, as wide as the largest statistic needs (a multiple of 8 for the register block). */
function newtonTileFor(largest: number): number {
  return largest <= 16 ? 16 : largest <= 48 ? 32 : 64;
}

function checkSpec(op: string, spec: InverseRootSpec): void {
  const { statistics, roots, table, exponents, step, status, seed, stream, damping } = spec;
  expectDtypes(op, { statistics, roots }, 'f32');
  expectDtypes(op, { step, status }, 'u32');
  expectSizes(op, { statistics, roots }, table.totalElements, 'the matrix table');
  expectSizes(op, { step }, 1, '1');
  expectSizes(op, { status }, 3, '(found, matrix, step)');
  expectNoAliasing(op, { statistics, roots, status }, { step });
  if (statistics.buffer === roots.buffer)
    throw new Error(`${op}: statistics "${statistics.label}" and roots "${roots.label}" share a GPU buffer; give the roots their own`);
  if (exponents.length !== table.entries.length) throw new Error(`${op}: ${exponents.length} exponents for ${table.entries.length} matrices`);
  exponents.forEach((p, index) => {
    if (!(GPU_EXPONENTS as readonly number[]).includes(p)) {
      throw new Error(`${op}: p of matrix ${index} must be one of ${GPU_EXPONENTS.join(', ')} (T^p by repeated squaring), got ${p}`);
    }
  });
  for (const [name, value] of [
    ['seed', seed],
    ['stream', stream],
  ] as const) {
    if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) throw new Error(`${op}: ${name} must be a whole number in 0..2^32-1, got ${value}`);
  }
  if (!(damping >= 0) || !Number.isFinite(damping)) throw new Error(`${op}: damping must be a finite number >= 0, got ${damping}`);
  const iterations = spec.maxIterations ?? NEWTON_ITERATIONS;
  if (!Number.isInteger(iterations) || iterations < 0) throw new Error(`${op}: maxIterations must be a whole number >= 0, got ${iterations}`);
  const power = spec.powerIterations ?? POWER_ITERATIONS;
  if (!Number.isInteger(power) || power < 1) throw new Error(`${op}: powerIterations must be a whole number >= 1, got ${power}`);
}

/**
 * Makes the batch's scratch (two X and two M slots and two squaring buffers, each the size of
 * the statistics tensor, the power-iteration vectors and the per-matrix state) under `owner`.
 */
export function createInverseRoots(ctx: GpuContext, owner: string, spec: InverseRootSpec): InverseRootBatch {
  const op = 'inverseRoots';
  checkSpec(op, spec);
  const { statistics, roots, table, step, status } = spec;
  const matrices = table.entries.map((entry, index) => ({ ...entry, p: spec.exponents[index] }));
  const maxIterations = spec.maxIterations ?? NEWTON_ITERATIONS;
  const tolerance = spec.tolerance ?? NEWTON_TOLERANCE;
  const count = matrices.length;
  const largest = Math.max(...matrices.map((matrix) => matrix.n));
  const squarings = Math.max(...matrices.map((matrix) => squaringsFor(matrix.p)));
  const tile = newtonTileFor(largest);

  // Larger p first: each squaring level then covers a prefix of the step's tile list.
  const order = matrices.map((_, index) => index).sort((a, b) => matrices[b].p - matrices[a].p || a - b);
  const descriptorValues = new Uint32Array(count * DESCRIPTOR_WORDS);
  let vectorCursor = 0;
  const tileValues: number[] = [];
  for (const index of order) {
    const { offset, n, p } = matrices[index];
    const first = tileValues.length / 3;
    if (n > 1) for (let row0 = 0; row0 < n; row0 += tile) for (let col0 = 0; col0 < n; col0 += tile) tileValues.push(index, row0, col0);
    descriptorValues.set([offset, n, p, vectorCursor, first, tileValues.length / 3 - first], index * DESCRIPTOR_WORDS);
    vectorCursor += 2 * n;
  }
  const tileCount = tileValues.length / 3;
  if (count > 65535) throw new Error(`${op}: ${count} matrices, over the 65535 workgroups of one dispatch dimension`);
  if (tileCount > 65535) throw new Error(`${op}: ${tileCount} tiles of ${tile} x ${tile}, over the 65535 workgroups of one dispatch dimension`);

  const scratch = (name: string) => ctx.pool.tensor(`${owner}:root-${name}`, [statistics.size], owner);
  const xSlots = [scratch('x0'), scratch('x1')];
  const mSlots = [scratch('m0'), scratch('m1')];
  const oddSquares = scratch('odd-squares');
  const evenSquares = scratch('even-squares');
  const vectors = ctx.pool.tensor(`${owner}:root-vectors`, [vectorCursor], owner);
  const state = ctx.pool.tensor(`${owner}:root-state`, [count * STATE_WORDS], owner, 'u32');
  const errors = ctx.pool.tensor(`${owner}:root-errors`, [count], owner, 'u32');
  const flags = ctx.pool.tensor(`${owner}:root-flags`, [count], owner, 'u32');
  const descriptors = ctx.pool.tensor(`${owner}:root-descriptors`, [descriptorValues.length], owner, 'u32');
  // A batch of 1 x 1 statistics has no tiles; the products then bind one unused word.
  const tiles = ctx.pool.tensor(`${owner}:root-tiles`, [Math.max(3, tileValues.length)], owner, 'u32');
  const list = ctx.pool.tensor(`${owner}:root-list`, [Math.max(1, tileCount)], owner, 'u32');
  const orderTensor = ctx.pool.tensor(`${owner}:root-order`, [count], owner, 'u32');
  // Three u32 counts per dispatch kind: root-square, apply, then squaring levels 2 .. squarings at 3 * level.
  const launchWords = 3 * (squarings + 1);
  const launchBuffer = ctx.pool.acquire(`${owner}:root-launch`, launchWords * BYTES_PER_ELEMENT, owner, STORAGE_USAGE | GPUBufferUsage.INDIRECT);
  const launch = tensorView(launchBuffer, [launchWords], { dtype: 'u32', label: `${owner}:root-launch` });
  const launchAt = (first: number) =>
    tensorView(launchBuffer, [3], { offset: first * BYTES_PER_ELEMENT, dtype: 'u32', label: `${owner}:root-launch@${first}` });
  writeTensor(ctx, descriptors, descriptorValues);
  writeTensor(ctx, tiles, tileValues.length ? tileValues : [0, 0, 0]);
  writeTensor(ctx, orderTensor, order);
  writeTensor(ctx, errors, new Uint32Array(count));
  writeTensor(ctx, state, new Uint32Array(count * STATE_WORDS));
  writeTensor(ctx, launch, new Uint32Array(launchWords));

  const tileConstants = { TM: tile, TN: tile, TK: 16 };
  const perStep = squarings + 2;
  // A batch of 1 x 1 statistics only needs the start and the emit.
  const newtonSteps = tileCount > 0 ? maxIterations : 0;
  const dispatches = 3 + (newtonSteps > 0 ? 1 + newtonSteps * perStep : 0);
  const compact = (plan: ComputePlan, decide: boolean) =>
    plan.add({
      op: 'matrix_root_compact',
      shader: compactShader,
      constants: { WG: COMPACT_WORKGROUP },
      uniforms: [u32(count), f32(tolerance), u32(maxIterations), f32(REJECT_FACTOR), u32(decide ? 1 : 0), u32(squarings)],
      bindings: [descriptors, orderTensor, state, errors, list, launch],
      workgroups: [1],
    });

  return {
    dispatches,
    record(plan: ComputePlan): void {
      plan.add({
        op: 'matrix_root_start',
        shader: startShader,
        constants: { WG: REDUCTION_WORKGROUP },
        uniforms: [
          u32(count),
          u32(spec.seed),
          u32(spec.stream),
          f32(spec.damping),
          f32(tolerance),
          f32(POWER_TOLERANCE),
          u32(spec.powerIterations ?? POWER_ITERATIONS),
          u32(maxIterations),
        ],
        bindings: [step, descriptors, statistics, vectors, xSlots[0], mSlots[0], state],
        workgroups: [count],
      });
      if (newtonSteps > 0) compact(plan, false);
      for (let iteration = 0; iteration < newtonSteps; iteration++) {
        const [x, xNext] = [xSlots[iteration % 2], xSlots[(iteration + 1) % 2]];
        const [m, mNext] = [mSlots[iteration % 2], mSlots[(iteration + 1) % 2]];
        plan.add({
          op: 'matrix_root_root_square',
          shader: rootSquareShader,
          constants: tileConstants,
          bindings: [descriptors, tiles, list, x, m, xNext, oddSquares],
          workgroups: tileGrid(op, 2 * tile, tileCount * tile, { TM: tile, TN: tile }),
          indirect: launchAt(0),
        });
        for (let level = 2; level <= squarings; level++) {
          plan.add({
            op: 'matrix_root_square',
            shader: squareShader,
            constants: tileConstants,
            bindings: [descriptors, tiles, list, level % 2 === 0 ? oddSquares : evenSquares, level % 2 === 0 ? evenSquares : oddSquares],
            workgroups: tileGrid(op, tile, tileCount * tile, { TM: tile, TN: tile }),
            indirect: launchAt(3 * level),
          });
        }
        plan.add({
          op: 'matrix_root_apply',
          shader: applyShader,
          constants: tileConstants,
          bindings: [descriptors, tiles, list, oddSquares, evenSquares, m, mNext, errors],
          workgroups: tileGrid(op, tile, tileCount * tile, { TM: tile, TN: tile }),
          indirect: launchAt(3),
        });
        compact(plan, true);
      }
      plan.add({
        op: 'matrix_root_emit',
        shader: emitShader,
        constants: { WG: REDUCTION_WORKGROUP },
        uniforms: [u32(count)],
        bindings: [descriptors, state, xSlots[0], xSlots[1], roots, flags],
        workgroups: [count],
      });
      plan.add({
        op: 'matrix_root_report',
        shader: reportShader,
        uniforms: [u32(count)],
        bindings: [step, flags, status],
        workgroups: [1],
      });
    },
    async readState(): Promise<MatrixRootState[]> {
      const words = await readTensorU32(ctx, state);
      const asFloat = (word: number) => new Float32Array(Uint32Array.of(word).buffer)[0];
      return matrices.map((_, index) => {
        const at = (word: number) => words[index * STATE_WORDS + word];
        return {
          stop: rootStop(at(StateWord.status)),
          iterations: at(StateWord.iterations),
          error: asFloat(at(StateWord.error)),
          lambda: asFloat(at(StateWord.lambda)),
          powerIterations: at(StateWord.powerIterations),
          norm: asFloat(at(StateWord.norm)),
        };
      });
    },
  };
}
