// The sequence-length check that the GPU launcher and the float64 reference both make, in a
// module of its own so that neither borrows it from the code the other checks.

/** The position table wpe has Tmax rows, one per position, so a batch may be at most Tmax long. */
export function checkSequenceLength(op: string, T: number, Tmax: number): void {
  if (T > Tmax) throw new Error(`${op}: T = ${T} exceeds Tmax = ${Tmax}, the rows of wpe`);
}
