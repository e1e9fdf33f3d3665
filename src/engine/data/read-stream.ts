// Reading a byte stream (a download, a decompression) to its end into one array.

/** A stream failed part way; `loaded` bytes had arrived. */
export class StreamReadError extends Error {
  constructor(
    override readonly cause: unknown,
    readonly loaded: number,
  ) {
    super(cause instanceof Error ? cause.message : String(cause));
    this.name = 'StreamReadError';
  }
}

/**
 * Collects every chunk into one array, doubling it when full (a good initial capacity, such as
 * the declared size, avoids any copy); `onChunk` receives the running length.
 */
export async function readToEnd(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  initialCapacity: number,
  onChunk?: (loaded: number) => void,
): Promise<Uint8Array> {
  let buffer = new Uint8Array(Math.max(1, initialCapacity));
  let loaded = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (loaded + value.length > buffer.length) {
        const grown = new Uint8Array(Math.max(buffer.length * 2, loaded + value.length));
        grown.set(buffer.subarray(0, loaded));
        buffer = grown;
      }
      buffer.set(value, loaded);
      loaded += value.length;
      onChunk?.(loaded);
    }
  } catch (cause) {
    throw new StreamReadError(cause, loaded);
  }
  return buffer.subarray(0, loaded);
}
