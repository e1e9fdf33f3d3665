import { describe, expect, it } from 'vitest';
import { createRng, randomArray } from '../../random';
import { diagonalRun, diagonalShare, matrixRun, squareSums, vectorRun } from './square-sums.ref';
import { joinPieces, runTable, splitRuns } from './square-sums-shape';

describe('square sums reference', () => {
  it('sums the squares of a strided run, by hand', () => {
    // [1, 2, 3, 4, 5, 6]: from 1 every 2 -> 2, 4, 6 -> 4 + 16 + 36.
    const values = [1, 2, 3, 4, 5, 6];
    expect(Array.from(squareSums(values, [{ offset: 1, count: 3, stride: 2 }, vectorRun(0, 6), { offset: 4, count: 1, stride: 0 }]))).toEqual([56, 91, 25]);
  });

  it('gives the diagonal share of a hand matrix', () => {
    // [[2, 1, 0], [1, 3, -1], [0, -1, 1]]: diagonal 4 + 9 + 1 = 14, all 14 + 1 + 1 + 1 + 1 = 18.
    const M = [2, 1, 0, 1, 3, -1, 0, -1, 1];
    expect(diagonalShare(M, 3)).toBeCloseTo(14 / 18, 15);
    expect(Array.from(squareSums(M, [diagonalRun(0, 3), matrixRun(0, 3)]))).toEqual([14, 18]);
    expect(diagonalShare([5, 0, 0, 7], 2)).toBe(1);
    expect(diagonalShare([0, 0, 0, 0], 2)).toBe(0);
    // A rank-one matrix of n equal entries: share 1/n.
    expect(diagonalShare(new Array(16).fill(0.3), 4)).toBeCloseTo(0.25, 15);
  });

  it('rejects a run past the end and a matrix of the wrong size', () => {
    expect(() => squareSums([1, 2, 3], [diagonalRun(0, 2)])).toThrow('squareSums: a run of 2 values from 0 every 3 ends past 3 values');
    expect(() => diagonalShare([1, 2, 3], 2)).toThrow('diagonalShare: the matrix has 3 entries, expected 4 (2 x 2)');
  });

  it('splits long runs into pieces whose sums join back to the whole', () => {
    const values = randomArray(createRng(3), 1000);
    const runs = [matrixRun(0, 31), diagonalRun(0, 31), vectorRun(961, 39), { offset: 5, count: 7, stride: 100 }];
    const { pieces, of } = splitRuns(runs, 50);
    expect(pieces.every((piece) => piece.count <= 50)).toBe(true);
    expect(of.filter((run) => run === 0).length).toBe(Math.ceil(961 / 50));
    const joined = joinPieces(squareSums(values, pieces), of, runs.length);
    const whole = squareSums(values, runs);
    joined.forEach((value, i) => expect(value).toBeCloseTo(whole[i], 10));
    expect(Array.from(runTable([{ offset: 4, count: 2, stride: 9 }]))).toEqual([4, 2, 9]);
  });
});
