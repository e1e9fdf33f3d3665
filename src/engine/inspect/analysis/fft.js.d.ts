// Types for fft.js 4.x (radix-4 FFT, power-of-two sizes only), which ships none. Only the
// complex transforms the frequency field uses are declared.
declare module 'fft.js' {
  /** Complex arrays interleave real and imaginary parts: [re0, im0, re1, im1, ...]. */
  type ComplexArray = number[] | Float64Array;

  export default class FFT {
    /** Throws unless size is a power of two greater than 1. */
    constructor(size: number);
    readonly size: number;
    createComplexArray(): number[];
    /** Forward transform, X_k = Σ_j x_j e^(−2πi jk/size); `out` and `data` must differ. */
    transform(out: ComplexArray, data: ComplexArray): void;
    /** Inverse transform with the 1/size factor; `out` and `data` must differ. */
    inverseTransform(out: ComplexArray, data: ComplexArray): void;
  }
}
