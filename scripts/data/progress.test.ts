import { describe, expect, it } from 'vitest';
import { createProgress, progressText } from './progress';

function sink(isTTY: boolean) {
  const writes: string[] = [];
  return { writes, sink: { isTTY, write: (text: string) => writes.push(text) } };
}

describe('progressText', () => {
  it('gives bytes, percent and rate', () => {
    expect(progressText(12_345_678, 170_052_171, 2000)).toBe('12.3 MB of 170.1 MB (7%), 6.2 MB/s');
    expect(progressText(170_052_171, 170_052_171, 1000)).toBe('170.1 MB of 170.1 MB (100%), 170.1 MB/s');
    expect(progressText(5_000_000, undefined, 500)).toBe('5.0 MB, 10.0 MB/s');
    expect(progressText(0, 100, 0)).toBe('0.0 kB of 0.1 kB (0%), - MB/s');
    expect(progressText(39_391, 999_999, 1000)).toBe('39.4 kB of 1000.0 kB (3%), 0.0 MB/s');
  });
});

describe('createProgress', () => {
  it('prints a line at each 10% step when the output is not a terminal, and the total at the end', () => {
    let clock = 0;
    const { writes, sink: out } = sink(false);
    const progress = createProgress(out, 'a.zip', 10_000_000, () => clock);
    for (const received of [500_000, 900_000, 1_000_000, 1_500_000, 3_500_000, 9_999_999, 10_000_000]) {
      clock += 1000;
      progress.update(received);
    }
    progress.done(10_000_000);
    expect(writes).toEqual([
      'a.zip: 1.0 MB of 10.0 MB (10%), 0.3 MB/s\n',
      'a.zip: 3.5 MB of 10.0 MB (35%), 0.7 MB/s\n',
      'a.zip: 10.0 MB of 10.0 MB (99%), 1.7 MB/s\n',
      'a.zip: 10.0 MB of 10.0 MB (100%), 1.4 MB/s\n',
    ]);
  });

  it('prints a line per 10 MB without a total', () => {
    let clock = 0;
    const { writes, sink: out } = sink(false);
    const progress = createProgress(out, 'x', undefined, () => (clock += 1000));
    for (const received of [4_000_000, 11_000_000, 15_000_000, 21_000_000]) progress.update(received);
    expect(writes.map((line) => line.split(',')[0])).toEqual(['x: 11.0 MB', 'x: 21.0 MB']);
  });

  it('rewrites one line on a terminal, at most every 100 ms, and ends it', () => {
    let clock = 0;
    const { writes, sink: out } = sink(true);
    const progress = createProgress(out, 'a.zip', 1_000_000, () => clock);
    for (const [time, received] of [
      [10, 100_000],
      [50, 200_000],
      [150, 500_000],
    ]) {
      clock = time;
      progress.update(received);
    }
    progress.done(1_000_000);
    expect(writes).toEqual([
      '\ra.zip: 100.0 kB of 1.0 MB (10%), 10.0 MB/s\x1b[K',
      '\ra.zip: 500.0 kB of 1.0 MB (50%), 3.3 MB/s\x1b[K',
      '\ra.zip: 1.0 MB of 1.0 MB (100%), 6.7 MB/s\x1b[K\n',
    ]);
  });

  it('ends an open terminal line when abandoned, and writes nothing when none is open', () => {
    const { writes, sink: out } = sink(true);
    const progress = createProgress(out, 'a', 10, () => 1000);
    progress.abandon();
    expect(writes).toEqual([]);
    progress.update(5);
    progress.abandon();
    expect(writes.at(-1)).toBe('\n');
  });
});
