// The default that the GPU launcher and the float64 reference both take, in a module of its own
// so that neither borrows it from the code the other checks.

/** nn.LayerNorm's default eps. */
export const LAYER_NORM_EPS = 1e-5;
