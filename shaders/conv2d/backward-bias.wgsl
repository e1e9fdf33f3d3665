// dBias[co] (+)= sum_{b, oy, ox} dOut[b, co, oy, ox]. One workgroup per output channel: a strided
// loop over the B * Hout * Wout output positions, then a tree reduction in workgroup memory.
override WG: u32;
override ACCUMULATE: bool;

struct Params { cout: u32, batch: u32, plane: u32 }

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> dOut: array<f32>;
@group(0) @binding(2) var<storage, read_write> dBias: array<f32>;

var<workgroup> partial: array<f32, WG>;

@compute @workgroup_size(WG)
fn main(@builtin(local_invocation_index) lid: u32, @builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let co = wid.x + wid.y * groups.x;
  // Depends only on the workgroup, so the barriers below stay in uniform control flow.
  if (co >= params.cout) { return; }
  let n = params.batch * params.plane;
  var sum = 0.0;
  for (var j = lid; j < n; j += WG) {
    let b = j / params.plane;
    sum += dOut[(b * params.cout + co) * params.plane + j % params.plane];
  }
  partial[lid] = sum;
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s >>= 1u) {
    if (lid < s) { partial[lid] += partial[lid + s]; }
    workgroupBarrier();
  }
  if (lid == 0u) {
    var grad = partial[0];
    if (ACCUMULATE) { grad += dBias[co]; }
    dBias[co] = grad;
  }
}
