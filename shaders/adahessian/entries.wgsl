// Shared by the AdaHessian kernels (joined after each kernel's source; WGSL has no #include).
// stepTable[0] is the optimizer step; stepTable[STEP_SCALARS ..) the step's float scalars (bit patterns);
// stepTable[STEP_ENTRIES + 3e ..] = (offset, size, window) of parameter e in the flat buffer, by
// increasing offset; `window` is kh·kw for a 4-D convolution weight, 1 otherwise.
const STEP_SCALARS = 1u;
const STEP_ENTRIES = 16u;

struct Entry { index: u32, offset: u32, size: u32, window: u32 }

/** The parameter whose span [offset, offset + size) holds flat element i, or the one before a padding gap. */
fn entryOf(i: u32, entries: u32) -> Entry {
  var low = 0u;
  var high = entries - 1u;
  // The largest e with offset_e <= i (offset_0 is 0).
  while (low < high) {
    let middle = (low + high + 1u) / 2u;
    if (stepTable[STEP_ENTRIES + 3u * middle] <= i) { low = middle; } else { high = middle - 1u; }
  }
  let base = STEP_ENTRIES + 3u * low;
  return Entry(low, stepTable[base], stepTable[base + 1u], stepTable[base + 2u]);
}
