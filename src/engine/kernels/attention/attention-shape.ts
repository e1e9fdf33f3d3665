// The head split that the GPU launcher and the float64 reference both need, in a module of its
// own so that neither borrows it from the code the other checks: head h of a (B, T, C) tensor is
// features h*D..h*D+D-1 of each row, D = C / H.

/** D = C / H, or an error naming the op when C is not a multiple of H. */
export function headSize(op: string, C: number, H: number): number {
  if (!Number.isInteger(C) || !Number.isInteger(H) || H < 1 || C % H !== 0) {
    throw new Error(`${op}: C=${C} is not a positive multiple of H=${H}`);
  }
  return C / H;
}
