import { describe, expect, it } from 'vitest';
import { fakeAnalysisWorkers } from '../testing/inspection-fixture';
import { AnalysisClient } from './analysis-client';
import { AnalysisQueue } from './analysis-queue';
import { keyText, type AnalysedFactor, type FactorKey, type FullMatrix } from './inspector-state';

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));
const key = (step: number, side: 'H' | 'S' = 'H'): FactorKey => ({ run: 'adam', layer: 'conv1', side, step });

function setup() {
  const workers = fakeAnalysisWorkers();
  const kept: AnalysedFactor[] = [];
  const frequencies: FullMatrix[] = [];
  const queue = new AnalysisQueue(new AnalysisClient(workers.create), {
    needs: (wanted) =>
      kept.some((entry) => keyText(entry) === keyText(wanted))
        ? undefined
        : { ...wanted, kind: 'factor', n: 300, values: new Float32Array(300 * 300).fill(wanted.step) },
    keep: (analysed, frequency) => {
      kept.push(analysed);
      frequencies.push(frequency);
    },
    now: () => 1000,
  });
  return { workers, kept, frequencies, queue };
}

describe('the analysis queue', () => {
  it('analyses one factor at a time, in order, keeping each in blocks with its full frequency field', async () => {
    const { workers, kept, frequencies, queue } = setup();
    queue.want([key(100), key(100, 'S')], 9);
    expect(queue.getSnapshot().running).toEqual({ key: key(100), startedAt: 1000, n: 300 });
    expect(workers.requests.map((request) => [request.n, request.seed, request.values[0]])).toEqual([[300, 9, 100]]);
    workers.answer();
    await settle();
    expect(kept.map(keyText)).toEqual(['adam/conv1/H/100']);
    // 300 is drawn in blocks of 2: 150 x 150; the frequency field stays whole for export.
    expect(kept[0].heatmap).toMatchObject({ side: 150, block: 2 });
    expect(frequencies[0].values).toHaveLength(300 * 300);
    expect(queue.getSnapshot().running?.key).toEqual(key(100, 'S'));
    workers.answer();
    await settle();
    expect(kept).toHaveLength(2);
    expect(queue.getSnapshot().running).toBeNull();
    expect(workers.started).toBe(1);
  });

  it('ends the worker when a new selection leaves out the factor being analysed, and goes on with the new one', async () => {
    const { workers, kept, queue } = setup();
    const seen: (string | null)[] = [];
    queue.subscribe(() => seen.push(queue.getSnapshot().running ? keyText(queue.getSnapshot().running!.key) : null));
    queue.want([key(100)], 0);
    queue.want([key(200)], 0);
    expect(workers.terminated).toBe(1);
    expect(workers.started).toBe(2);
    workers.answer();
    await settle();
    expect(kept.map(keyText)).toEqual(['adam/conv1/H/200']);
    expect(seen).toEqual(['adam/conv1/H/100', 'adam/conv1/H/200', null]);
  });

  it('records a failure by factor and moves on, without trying that factor again', async () => {
    const { workers, kept, queue } = setup();
    queue.want([key(100), key(200)], 0);
    workers.answer('the matrix has NaN entries');
    await settle();
    expect(queue.getSnapshot().errors).toEqual({ 'adam/conv1/H/100': 'the matrix has NaN entries' });
    workers.answer();
    await settle();
    queue.want([key(100), key(200)], 0);
    expect(kept.map(keyText)).toEqual(['adam/conv1/H/200']);
    expect(workers.requests).toHaveLength(2);
  });

  it('ends its worker when disposed', () => {
    const { workers, queue } = setup();
    queue.want([key(100)], 0);
    queue.dispose();
    expect(workers.terminated).toBe(1);
  });
});
