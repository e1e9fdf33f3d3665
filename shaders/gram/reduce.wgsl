// out[e] = scale * sum_{s < chunks} partials[s * size + e] (+ out[e] with ACCUMULATE), e < size:
// the row chunks of gram.wgsl's PARTIAL pass added in a fixed order, so the result is the same
// on every run.
override WG: u32;
override ACCUMULATE: bool;

struct Params { size: u32, chunks: u32, scale: f32 }

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> partials: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let e = gid.x + gid.y * groups.x * WG;
  if (e >= params.size) { return; }
  var sum = 0.0;
  for (var s = 0u; s < params.chunks; s++) { sum += partials[s * params.size + e]; }
  var value = params.scale * sum;
  if (ACCUMULATE) { value += out[e]; }
  out[e] = value;
}
