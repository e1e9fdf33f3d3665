// Batches of the Iris inputs as AdaFisher's loss-landscape notebook draws them: all 150 flowers
// reshuffled every epoch (DataLoader(batch_size=10, shuffle=True): 15 steps an epoch). The
// notebook has no test split, so evaluation is on the same 150 flowers.

import { createRng, permutation, shuffleInPlace, type Rng } from '../random';
import { DatasetError } from './dataset-error';
import { IRIS_EXAMPLES, IRIS_FEATURES, IRIS_SPECIES, irisSet, type IrisSet } from './iris';
import { batchView, checkEvaluationSize, type Batch, type TrainingData } from './training-data';

export interface IrisBatchOptions {
  batchSize: number;
  seed: number;
  /** A fresh seeded permutation every epoch; off keeps the data's order. */
  shuffle: boolean;
}

export class IrisTrainingData implements TrainingData {
  readonly task = 'tabular-classification';
  readonly classes = IRIS_SPECIES.length;
  readonly stepsPerEpoch: number;
  readonly trainExamples = IRIS_EXAMPLES;
  private readonly set: IrisSet;
  private readonly order = permutation(IRIS_EXAMPLES);
  private readonly rng: Rng;
  private readonly inputs: Float32Array;
  private readonly targets: Uint32Array;
  private readonly view = batchView();
  private step = 0;

  constructor(private readonly options: Readonly<IrisBatchOptions>) {
    const { batchSize } = options;
    if (!Number.isSafeInteger(batchSize) || batchSize < 1) throw new RangeError(`The batch size must be a whole number > 0, got ${batchSize}.`);
    if (batchSize > IRIS_EXAMPLES) {
      throw new DatasetError(
        'too-small',
        `Iris has ${IRIS_EXAMPLES} flowers, fewer than one batch of ${batchSize}; lower the batch size to at most ${IRIS_EXAMPLES}.`,
      );
    }
    this.set = irisSet();
    // Flowers left over after the last full batch are dropped for that epoch (none at the notebook's 10), as for images.
    this.stepsPerEpoch = Math.floor(IRIS_EXAMPLES / batchSize);
    this.rng = createRng(options.seed);
    this.inputs = new Float32Array(batchSize * IRIS_FEATURES);
    this.targets = new Uint32Array(batchSize);
    this.startEpoch();
  }

  /** The next batch, in the same buffers every call. */
  nextBatch(): Promise<Batch> {
    const { batchSize } = this.options;
    const start = this.step * batchSize;
    for (let slot = 0; slot < batchSize; slot++) this.copyExample(this.order[start + slot], slot, this.inputs, this.targets);
    this.step++;
    if (this.step === this.stepsPerEpoch) {
      this.step = 0;
      this.startEpoch();
    }
    return Promise.resolve(this.view(this.inputs, this.targets, batchSize));
  }

  /**
   * All 150 flowers once, in order (the notebook has no test split), in batches of the batch
   * size; the last one padded with zeros (label 0) past its `size` rows.
   */
  *testBatches(): Generator<Batch, void, undefined> {
    const { batchSize } = this.options;
    const inputs = new Float32Array(batchSize * IRIS_FEATURES);
    const targets = new Uint32Array(batchSize);
    const view = batchView();
    for (let start = 0; start < IRIS_EXAMPLES; start += batchSize) {
      const size = Math.min(batchSize, IRIS_EXAMPLES - start);
      for (let slot = 0; slot < size; slot++) this.copyExample(start + slot, slot, inputs, targets);
      inputs.fill(0, size * IRIS_FEATURES);
      targets.fill(0, size);
      yield view(inputs, targets, size);
    }
  }

  /** The first `count` of the 150 flowers, in the data's order. */
  async evaluationSet(count: number): Promise<Batch> {
    checkEvaluationSize(count, IRIS_EXAMPLES, 'Iris flowers');
    return { inputs: this.set.inputs.slice(0, count * IRIS_FEATURES), targets: this.set.labels.slice(0, count), size: count };
  }

  private copyExample(source: number, slot: number, inputs: Float32Array, targets: Uint32Array): void {
    for (let f = 0; f < IRIS_FEATURES; f++) inputs[slot * IRIS_FEATURES + f] = this.set.inputs[source * IRIS_FEATURES + f];
    targets[slot] = this.set.labels[source];
  }

  private startEpoch(): void {
    if (!this.options.shuffle) return;
    // Each epoch permutes the previous order, which is as uniform as permuting 0..149 afresh.
    shuffleInPlace(this.order, this.rng);
  }
}
