// The training steps in flight on the device's queue. The trainer submits a step and goes on
// to the next without waiting for the GPU, until `depth` steps per run are queued; then it
// waits for the oldest. The queue runs submits in order, so this changes when the CPU waits,
// never what the GPU computes. Each tracked submit's completion also times it when the device
// has no timestamp queries: a step's GPU time is from the later of its submit and the end of
// the submit before it, to its own end.

export interface SubmitQueue {
  onSubmittedWorkDone(): Promise<unknown>;
}

export interface StepPipelineOptions {
  queue: SubmitQueue;
  /** Submits queued at most before the next waits: the depth per run times the runs. */
  capacity: () => number;
  /** Resolves when the device is lost: nothing in flight will end after that. */
  lost: Promise<unknown>;
  now?: () => number;
}

export class StepPipeline {
  /** The completion time of each submit not yet waited for, oldest first (some may have ended). */
  private readonly inFlight: Promise<number>[] = [];
  /** Tracked submits that have not ended. */
  private pending = 0;
  /** When the newest tracked submit ends. */
  private tail: Promise<number>;
  private readonly now: () => number;

  constructor(private readonly options: StepPipelineOptions) {
    this.now = options.now ?? (() => performance.now());
    this.tail = Promise.resolve(this.now());
  }

  /** The most tracked submits in flight at once (submitted, not ended), since the start. */
  peak = 0;

  /** Tracked submits that have not ended. */
  get size(): number {
    return this.pending;
  }

  /**
   * Tracks what was just submitted, queued at `submittedAt`; resolves with its GPU milliseconds
   * (between completions) once it ends, or NaN if the device is lost first.
   */
  track(submittedAt: number): Promise<number> {
    const previous = this.tail;
    const ended = Promise.race([this.options.queue.onSubmittedWorkDone().then(() => this.now()), this.options.lost.then(() => NaN)]);
    const ms = Promise.all([previous, ended]).then(([before, end]) => end - Math.max(before, submittedAt));
    // A lost device leaves NaN: the chain goes on from the submit time so later steps still resolve.
    this.tail = ended.then((end) => {
      this.pending--;
      return Number.isNaN(end) ? submittedAt : end;
    });
    this.inFlight.push(this.tail);
    this.peak = Math.max(this.peak, ++this.pending);
    return ms;
  }

  /** Marks work submitted outside the steps (the landscape's), so its time is not a step's. */
  mark(): void {
    this.track(this.now());
  }

  /** Waits until fewer than `capacity` submits are in flight: call before the next submit. */
  async throttle(): Promise<void> {
    while (this.inFlight.length >= Math.max(1, this.options.capacity())) await this.inFlight.shift();
  }

  /** Waits for everything in flight (a pause, the end, a read of the whole state). */
  async drain(): Promise<void> {
    while (this.inFlight.length) await this.inFlight.shift();
  }
}
