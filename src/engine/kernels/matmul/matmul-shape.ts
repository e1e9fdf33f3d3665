// What a strided batched matmul multiplies, shared by the GPU launcher and the float64
// reference: sizes, transposes, scalars and where each batch entry's matrices start.

export interface MatmulSpec {
  /** Rows of op(A) and C. */
  readonly m: number;
  /** Columns of op(B) and C. */
  readonly n: number;
  /** Columns of op(A), rows of op(B). */
  readonly k: number;
  /** op(A) = A^T: each A matrix is stored (k, m). */
  readonly transposeA: boolean;
  /** op(B) = B^T: each B matrix is stored (n, k). */
  readonly transposeB: boolean;
  /** C = alpha * op(A) op(B) + beta * C; beta = 0 never reads C. Fixed when the plan is built. */
  readonly alpha: number;
  readonly beta: number;
  /** Products computed, 1 unless given. */
  readonly batch?: number;
  /**
   * Elements from one batch entry's matrix to the next in each operand; 0 repeats one matrix for
   * every entry (A or B only). Unless given, matrices are packed: m*k, k*n and m*n.
   */
  readonly strideA?: number;
  readonly strideB?: number;
  readonly strideC?: number;
}

export interface MatmulLayout {
  readonly batch: number;
  readonly strideA: number;
  readonly strideB: number;
  readonly strideC: number;
  /** Elements each operand must hold: (batch - 1) * stride + one matrix. */
  readonly sizeA: number;
  readonly sizeB: number;
  readonly sizeC: number;
}

/** The strides and operand extents of `spec`, after checking its sizes; errors name `op`. */
export function matmulLayout(op: string, spec: MatmulSpec): MatmulLayout {
  const { m, n, k } = spec;
  const batch = spec.batch ?? 1;
  for (const [name, value] of Object.entries({ m, n, k, batch })) {
    if (!Number.isInteger(value) || value < 1) throw new Error(`${op}: ${name} must be a positive integer, got ${value}`);
  }
  const strideA = spec.strideA ?? m * k;
  const strideB = spec.strideB ?? k * n;
  const strideC = spec.strideC ?? m * n;
  for (const [name, value] of Object.entries({ strideA, strideB, strideC })) {
    if (!Number.isInteger(value) || value < 0) throw new Error(`${op}: ${name} must be an integer >= 0, got ${value}`);
  }
  if (batch > 1 && strideC < m * n) {
    throw new Error(`${op}: strideC must be at least m*n = ${m}*${n} = ${m * n} so that batch entries do not overwrite each other, got ${strideC}`);
  }
  for (const [name, value] of Object.entries({ alpha: spec.alpha, beta: spec.beta })) {
    if (!Number.isFinite(value)) throw new Error(`${op}: ${name} must be a finite number, got ${value}`);
  }
  return {
    batch,
    strideA,
    strideB,
    strideC,
    sizeA: (batch - 1) * strideA + m * k,
    sizeB: (batch - 1) * strideB + k * n,
    sizeC: (batch - 1) * strideC + m * n,
  };
}
