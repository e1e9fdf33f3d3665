// Training batches from a stream of CIFAR-10 record windows (a few shards at a time, fetched
// ahead by the shard stream), so training starts after the first window instead of after the
// whole training split. Order: a seeded shard order per epoch, then a seeded permutation of
// the records inside each window, as WebDataset-style shard shuffling does.

import { createRng, permutation, type Rng } from '../random';
import { checkBatchSize, ImageSlotWriter, type BatcherOptions, type ImageBatch } from './batches';
import { parseCifarBatch } from './cifar10';
import { DatasetError } from './dataset-error';
import type { ImageSet } from './image-set';

/** A run of whole records from consecutive shards of the training split. */
export interface RecordWindow {
  bytes: Uint8Array;
  records: number;
  epoch: number;
  /** The first window of its epoch. */
  firstInEpoch: boolean;
}

export interface RecordWindowSource {
  next(): Promise<RecordWindow>;
}

export interface StreamingImageOptions extends BatcherOptions {
  /** Records in the whole training split: one epoch. */
  trainRecords: number;
  classNames: readonly string[];
  /** Shown in messages about a window, e.g. the manifest URL. */
  sourceName: string;
}

/**
 * Like ImageBatcher, but fed window by window. Each epoch yields floor(trainRecords / batch)
 * full batches; the few records left at an epoch's end are dropped (DataLoader's drop_last).
 */
export class StreamingImageBatcher {
  readonly stepsPerEpoch: number;
  private readonly writer: ImageSlotWriter;
  private readonly orderSeeds: Rng;
  private window: ImageSet | null = null;
  private order: Uint32Array = new Uint32Array(0);
  private cursor = 0;
  private stepInEpoch = 0;
  /** Slots of the batch being filled; kept when a fetch fails so a retry goes on from there. */
  private filledSlots = 0;
  private skippingToNextEpoch = false;

  constructor(
    private readonly source: RecordWindowSource,
    private readonly options: Readonly<StreamingImageOptions>,
  ) {
    checkBatchSize(options.batchSize);
    if (options.trainRecords < options.batchSize) {
      throw new DatasetError(
        'too-small',
        `${options.sourceName} has ${options.trainRecords} training images, fewer than one batch of ${options.batchSize}; lower the batch size to at most ${options.trainRecords}.`,
      );
    }
    this.stepsPerEpoch = Math.floor(options.trainRecords / options.batchSize);
    const seeds = createRng(options.seed);
    this.orderSeeds = createRng(seeds.int(4294967296));
    this.writer = new ImageSlotWriter(options.batchSize, options, createRng(seeds.int(4294967296)));
  }

  /** Fetches the first window now, so a broken dataset is reported before training starts. */
  async prime(): Promise<void> {
    if (!this.window) await this.loadWindow();
  }

  /** The next batch, written into the same buffers every call. Throws (and may be retried) when a shard fails. */
  async next(): Promise<ImageBatch> {
    const { batchSize } = this.options;
    while (this.filledSlots < batchSize) {
      if (!this.window || this.cursor === this.order.length) await this.loadWindow();
      this.writer.write(this.window!, this.order[this.cursor++], this.filledSlots++);
    }
    this.filledSlots = 0;
    this.stepInEpoch++;
    if (this.stepInEpoch === this.stepsPerEpoch) {
      this.stepInEpoch = 0;
      this.skippingToNextEpoch = true;
      this.cursor = this.order.length;
    }
    return this.writer.batch;
  }

  private async loadWindow(): Promise<void> {
    for (;;) {
      const window = await this.source.next();
      if (this.skippingToNextEpoch && !window.firstInEpoch) continue;
      this.skippingToNextEpoch = false;
      const set = parseCifarBatch(window.bytes, `${this.options.sourceName} (epoch ${window.epoch + 1})`);
      set.classNames = [...this.options.classNames];
      this.window = set;
      this.order = permutation(window.records, this.options.shuffle ? this.orderSeeds : null);
      this.cursor = 0;
      return;
    }
  }
}
