// The float64 analyses of one full Kronecker factor (docs/adafisher-inspector.md), as the
// analysis worker returns them and inspect.json stores them.

export interface FactorAnalysis {
  readonly n: number;
  /** Global min and max of the matrix (the heatmap's scale for one step). */
  readonly range: { readonly min: number; readonly max: number };
  /** Gershgorin discs: centre M_ii, radius Σ_j |M_ij| − |M_ii|. */
  readonly gershgorin: { readonly centers: readonly number[]; readonly radii: readonly number[] };
  /** Eigenvalues of M (general solver, so complex in general), ascending by real part. */
  readonly eigenvalues: { readonly re: readonly number[]; readonly im: readonly number[] };
  /** Symmetric eigenvalues (lower triangle) ascending, without and with N(0, sigma²) noise on every off-diagonal entry. */
  readonly perturbation: { readonly sigma: number; readonly seed: number; readonly clean: readonly number[]; readonly noisy: readonly number[] };
  /** 20 · ln|fftshift(fft2(M))|, n*n row-major; axes from −π to π. */
  readonly frequency: Float32Array;
  /** 10 · log10(mean(diag(M)²) / mean(triu(M_noisy, 1)²)), the second mean over all n² entries. */
  readonly snrDb: number;
  /** ‖diag M‖² / ‖M‖_F². */
  readonly diagonalShare: number;
  /** Wall time of the analysis in ms. */
  readonly milliseconds: number;
}

/** The perturbation's noise standard deviation, as the seed uses. */
export const PERTURBATION_SIGMA = 1e-3;
