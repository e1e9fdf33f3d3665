// out[r] = sum_{k < count_r} values[offset_r + k * stride_r]^2 for each run r of the table,
// three u32 per run: (offset, count, stride). A matrix's squared Frobenius norm is the run
// (start, n*n, 1) and its diagonal's the run (start, n, n + 1), so one dispatch measures the
// diagonal share of every factor laid out in one buffer.
//
// One workgroup per run: a strided loop over the run and a tree reduction. Runs are kept short
// by the launcher's caller (long ones split into pieces whose sums it adds), so the sums stay
// parallel and each stays a float32 sum of at most a few ten thousand positive terms.
override WG: u32;

struct Params { runs: u32 }

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> table: array<u32>;
@group(0) @binding(2) var<storage, read> values: array<f32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;

// WG must be a power of two for the halving reduction.
var<workgroup> partial: array<f32, WG>;

@compute @workgroup_size(WG)
fn main(@builtin(local_invocation_index) li: u32, @builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) groups: vec3u) {
  // Runs may exceed one grid dimension, so they are folded over x and y.
  let run = wid.x + wid.y * groups.x;
  if (run >= params.runs) { return; }
  let offset = table[3u * run];
  let count = table[3u * run + 1u];
  let stride = table[3u * run + 2u];
  var sum = 0.0;
  for (var k = li; k < count; k += WG) {
    let value = values[offset + k * stride];
    sum += value * value;
  }
  partial[li] = sum;
  workgroupBarrier();
  for (var half = WG / 2u; half > 0u; half /= 2u) {
    if (li < half) { partial[li] += partial[li + half]; }
    workgroupBarrier();
  }
  if (li == 0u) { out[run] = partial[0]; }
}
