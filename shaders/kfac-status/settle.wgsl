// Second pass of K-FAC's non-finite check, one invocation: unless status already names a
// matrix, status = (f + 1, step[0] + 1) for the first flagged matrix f in table order; then
// every flag is cleared for the next check. status[0] = 0 means every matrix so far was finite.
struct Params { matrices: u32 }

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> step: array<u32>;
@group(0) @binding(2) var<storage, read_write> flags: array<atomic<u32>>;
@group(0) @binding(3) var<storage, read_write> status: array<u32>;

@compute @workgroup_size(1)
fn main() {
  for (var f = 0u; f < params.matrices; f++) {
    if (atomicLoad(&flags[f]) != 0u && status[0] == 0u) {
      status[0] = f + 1u;
      status[1] = step[0] + 1u;
    }
    atomicStore(&flags[f], 0u);
  }
}
