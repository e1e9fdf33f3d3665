// The snapshot storage's layout, shared by the snapshot and plane launchers: `capacity` rows of
// P parameters, row t at elements t·P ... t·P + P − 1 of one f32 buffer.

/** Shaders index rows as t·P + i in u32; keeping capacity·P below 2^31 leaves that sum far from overflow. */
export const MAX_SNAPSHOT_ELEMENTS = 2 ** 31;

/** Rejects a layout whose element indices could overflow the shaders' u32 arithmetic, naming the op and the sizes. */
export function expectSnapshotIndexable(op: string, P: number, capacity: number): void {
  const elements = capacity * P;
  if (elements >= MAX_SNAPSHOT_ELEMENTS) {
    throw new Error(
      `${op}: capacity*P = ${capacity}*${P} = ${elements} snapshot elements, must be below 2^31 = ${MAX_SNAPSHOT_ELEMENTS} so that the index t*P + i fits the shader's u32 arithmetic`,
    );
  }
}
