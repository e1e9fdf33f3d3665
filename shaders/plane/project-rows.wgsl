// Each snapshot's place relative to the plane through `center` spanned by dirX and dirY:
//   d_t = snapshots[t·P ..] − center
//   out[3t] = ⟨d_t, dirX⟩,  out[3t + 1] = ⟨d_t, dirY⟩,  out[3t + 2] = ‖d_t‖²      for t < capacity
// With orthonormal directions (the PCA plane) the first two are the coordinates and
// ‖d_t‖² − x² − y² is the squared distance from the plane; for other directions the host solves
// the 2×2 system of their inner products. One workgroup per t (folded over x and y past 65535):
// each invocation sums the strided i = lid, lid + WG, ..., then a tree reduction of the three
// sums in workgroup memory. The difference is taken before the products, as the rows lie close
// to the centre. t·P + i < capacity·P < 2^31 fits a u32.
override WG: u32; // a power of two, for the halving reduction

struct Params { P: u32, capacity: u32 }

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> snapshots: array<f32>;
@group(0) @binding(2) var<storage, read> center: array<f32>;
@group(0) @binding(3) var<storage, read> dirX: array<f32>;
@group(0) @binding(4) var<storage, read> dirY: array<f32>;
@group(0) @binding(5) var<storage, read_write> out: array<f32>;

var<workgroup> partial: array<vec3f, WG>;

@compute @workgroup_size(WG)
fn main(@builtin(local_invocation_index) lid: u32, @builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let t = wid.x + wid.y * groups.x;
  if (t >= params.capacity) { return; }
  let base = t * params.P;
  var sum = vec3f(0.0);
  for (var i = lid; i < params.P; i += WG) {
    let d = snapshots[base + i] - center[i];
    sum += d * vec3f(dirX[i], dirY[i], d);
  }
  partial[lid] = sum;
  workgroupBarrier();
  for (var stride = WG / 2u; stride > 0u; stride >>= 1u) {
    if (lid < stride) { partial[lid] += partial[lid + stride]; }
    workgroupBarrier();
  }
  if (lid == 0u) {
    out[3u * t] = partial[0].x;
    out[3u * t + 1u] = partial[0].y;
    out[3u * t + 2u] = partial[0].z;
  }
}
