import { describe, expect, it } from 'vitest';
import { parseRunConfig } from '../config/run-config';
import { thrownDatasetError } from '../testing/data/dataset-errors';
import { IRIS_EXAMPLES, irisSet } from './iris';
import { IrisTrainingData } from './iris-training-data';
import { loadTrainingData } from './load/training-data-from-config';
import type { Batch } from './training-data';

const copy = (batch: Batch) => ({ inputs: Array.from(batch.inputs), targets: Array.from(batch.targets), size: batch.size });

/** Each row of a batch as "x0,x1:label" (Iris has a few identical flowers, so rows are compared as such keys). */
function rowKeys(inputs: ArrayLike<number>, targets: ArrayLike<number>, size: number): string[] {
  return Array.from({ length: size }, (_, row) => `${inputs[2 * row]},${inputs[2 * row + 1]}:${targets[row]}`);
}

const ALL_FLOWERS = rowKeys(irisSet().inputs, irisSet().labels, IRIS_EXAMPLES);
const sorted = (keys: string[]) => [...keys].sort();

async function epochOrders(data: IrisTrainingData, epochs: number): Promise<string[][]> {
  const orders: string[][] = [];
  for (let epoch = 0; epoch < epochs; epoch++) {
    const order: string[] = [];
    for (let step = 0; step < data.stepsPerEpoch; step++) {
      const batch = await data.nextBatch();
      order.push(...rowKeys(batch.inputs, batch.targets, batch.size));
    }
    orders.push(order);
  }
  return orders;
}

describe('IrisTrainingData', () => {
  it('deals batches of 10 from all 150 flowers, 15 steps an epoch, reshuffled every epoch', async () => {
    const data = new IrisTrainingData({ batchSize: 10, seed: 3, shuffle: true });
    expect(data).toMatchObject({ task: 'tabular-classification', classes: 3, stepsPerEpoch: 15 });
    const orders = await epochOrders(data, 3);
    for (const order of orders) expect(sorted(order)).toEqual(sorted(ALL_FLOWERS));
    expect(orders[0]).not.toEqual(orders[1]);
    expect(orders[1]).not.toEqual(orders[2]);
    expect(orders[0].slice(0, 10)).not.toEqual(ALL_FLOWERS.slice(0, 10));
  });

  it('repeats its order for the same seed and changes it with the seed', async () => {
    const [a, b, c] = [3, 3, 4].map((seed) => new IrisTrainingData({ batchSize: 10, seed, shuffle: true }));
    const [first, again, other] = [await epochOrders(a, 2), await epochOrders(b, 2), await epochOrders(c, 2)];
    expect(again).toEqual(first);
    expect(other[0]).not.toEqual(first[0]);
  });

  it('keeps the data order without shuffling, and drops the flowers past the last full batch', async () => {
    const data = new IrisTrainingData({ batchSize: 40, seed: 0, shuffle: false });
    expect(data.stepsPerEpoch).toBe(3);
    const [first, second] = await epochOrders(data, 2);
    expect(first).toEqual(ALL_FLOWERS.slice(0, 120));
    expect(second).toEqual(first);
  });

  it('evaluates on all 150 flowers in order (there is no test split), padding the last batch', () => {
    const exact = Array.from(new IrisTrainingData({ batchSize: 10, seed: 0, shuffle: true }).testBatches(), copy);
    expect(exact.map((batch) => batch.size)).toEqual(new Array(15).fill(10));
    const padded = Array.from(new IrisTrainingData({ batchSize: 16, seed: 0, shuffle: true }).testBatches(), copy);
    expect(padded.map((batch) => batch.size)).toEqual([...new Array(9).fill(16), 6]);
    const { inputs, labels } = irisSet();
    expect(padded.flatMap((batch) => batch.inputs.slice(0, 2 * batch.size))).toEqual(Array.from(inputs));
    expect(padded.flatMap((batch) => batch.targets.slice(0, batch.size))).toEqual(Array.from(labels));
    const last = padded.at(-1)!;
    expect(last.inputs.slice(12)).toEqual(new Array(20).fill(0));
    expect(last.targets.slice(6)).toEqual(new Array(10).fill(0));
  });

  it('gives the first count flowers as the evaluation set, and refuses more than 150', async () => {
    const data = new IrisTrainingData({ batchSize: 10, seed: 0, shuffle: true });
    await data.nextBatch();
    const { inputs, labels } = irisSet();
    const first = await data.evaluationSet(7);
    expect(copy(first)).toEqual({ inputs: Array.from(inputs.subarray(0, 14)), targets: Array.from(labels.subarray(0, 7)), size: 7 });
    expect(copy(await data.evaluationSet(150)).targets).toEqual(Array.from(labels));
    await expect(data.evaluationSet(151)).rejects.toThrow('landscape.eval_size must be a whole number in 1..150 (the Iris flowers there are); got 151.');
    await expect(data.evaluationSet(0)).rejects.toThrow('landscape.eval_size must be a whole number in 1..150');
  });

  it('refuses a batch larger than the data', () => {
    const error = thrownDatasetError(() => new IrisTrainingData({ batchSize: 151, seed: 0, shuffle: true }));
    expect(error.kind).toBe('too-small');
    expect(error.message).toBe('Iris has 150 flowers, fewer than one batch of 151; lower the batch size to at most 150.');
  });

  it('is what a config with data source iris loads', async () => {
    const config = parseRunConfig({
      task: 'tabular-classification',
      model: 'iris-mlp',
      batch_size: 10,
      epochs: 1,
      seed: 5,
      data: { source: 'iris' },
      runs: [{ name: 'adam', optimizer: { type: 'adam', lr: 1e-3 } }],
    });
    const data = await loadTrainingData(config, [], () => undefined);
    expect(data).toBeInstanceOf(IrisTrainingData);
    expect(copy(await data.nextBatch())).toEqual(copy(await new IrisTrainingData({ batchSize: 10, seed: 5, shuffle: true }).nextBatch()));
  });
});
