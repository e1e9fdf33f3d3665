// A combination of snapshot rows relative to an origin (a PCA direction from the Gram
// matrix's eigenvector):
//   out[i] (+)= Σ_{t<capacity} coefficients[t] · (snapshots[t·P + i] − origin[i])     for i < P
// with ACCUMULATE adding into out. One invocation per i (folded over x and y past 65535
// workgroups), looping over t; neighbouring invocations read neighbouring elements of each row.
// A zero coefficient skips its row entirely: an empty or stale slot is never read, so it costs
// no bandwidth and cannot turn the sum into NaN. t·P + i < capacity·P < 2^31 fits a u32.
override WG: u32;
override ACCUMULATE: bool;

struct Params { P: u32, capacity: u32 }

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> snapshots: array<f32>;
@group(0) @binding(2) var<storage, read> origin: array<f32>;
@group(0) @binding(3) var<storage, read> coefficients: array<f32>;
@group(0) @binding(4) var<storage, read_write> out: array<f32>;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let i = gid.x + gid.y * groups.x * WG;
  if (i >= params.P) { return; }
  let o = origin[i];
  var sum = 0.0;
  for (var t = 0u; t < params.capacity; t++) {
    let c = coefficients[t];
    if (c != 0.0) { sum += c * (snapshots[t * params.P + i] - o); }
  }
  if (ACCUMULATE) { sum += out[i]; }
  out[i] = sum;
}
