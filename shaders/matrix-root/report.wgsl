// The first matrix whose root turned non-finite, kept once found (one invocation):
//   if status[0] == 0 and some flags[m] != 0:  status = (1, first such m, step)
struct Params { count: u32 }

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> step: array<u32>;
@group(0) @binding(2) var<storage, read> flags: array<u32>;
@group(0) @binding(3) var<storage, read_write> status: array<u32>;

@compute @workgroup_size(1)
fn main() {
  if (status[0] != 0u) { return; }
  for (var matrix = 0u; matrix < params.count; matrix++) {
    if (flags[matrix] != 0u) {
      status[0] = 1u;
      status[1] = matrix;
      status[2] = step[0];
      return;
    }
  }
}
