/**
 * Which GELU a node computes, as PyTorch's nn.GELU(approximate=...): 'none' is the exact
 * 0.5 x (1 + erf(x / sqrt 2)), 'tanh' the approximation 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))).
 */
export type GeluApproximation = 'none' | 'tanh';
