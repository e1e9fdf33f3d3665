// General eigenvalues through ml-matrix's EigenvalueDecomposition (the JAMA / EISPACK routines:
// Hessenberg reduction and shifted QR, or tridiagonalisation and QL when the input is exactly
// symmetric); symmetric ones through the values-only routine of symmetric-eigenvalues.ts.

import { EigenvalueDecomposition, Matrix } from 'ml-matrix';
import { symmetricTridiagonalEigenvalues } from './symmetric-eigenvalues';

export interface ComplexEigenvalues {
  readonly re: number[];
  readonly im: number[];
}

function toMatrix(values: ArrayLike<number>, n: number): Matrix {
  const matrix = new Matrix(n, n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) matrix.set(i, j, values[i * n + j]);
  return matrix;
}

/**
 * All eigenvalues of a general square matrix (as numpy's eigvals: complex in general), ascending
 * by real part, then by imaginary part. ml-matrix takes its symmetric path by itself when the
 * matrix is exactly symmetric; the imaginary parts are then exactly 0.
 */
export function generalEigenvalues(values: ArrayLike<number>, n: number): ComplexEigenvalues {
  const decomposition = new EigenvalueDecomposition(toMatrix(values, n));
  const re = decomposition.realEigenvalues;
  const im = decomposition.imaginaryEigenvalues;
  const order = Array.from({ length: n }, (_, k) => k).sort((a, b) => re[a] - re[b] || im[a] - im[b]);
  return { re: order.map((k) => re[k]), im: order.map((k) => im[k]) };
}

/**
 * Eigenvalues of the symmetric matrix whose lower triangle (diagonal included) is that of M, as
 * numpy's eigh(M) with its default UPLO='L' reads it; the upper triangle is ignored. Ascending.
 */
export function symmetricEigenvaluesFromLower(values: ArrayLike<number>, n: number): number[] {
  return symmetricTridiagonalEigenvalues(values, n);
}
