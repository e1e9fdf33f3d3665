// What the notebook K-FAC's gather and scatter kernels and their references share.

/** Where a layer's weight and bias gradients sit in the flat gradient buffer (elements), and its shape. */
export interface GradientBlock {
  readonly rows: number;
  readonly cols: number;
  readonly weightOffset: number;
  /** null without a bias. */
  readonly biasOffset: number | null;
}
