// One new row of the Gram matrix of snapshot rows relative to an origin:
//   g_t = Σ_{i<P} (row[i] − origin[i]) · (snapshots[t·P + i] − origin[i])      for t < capacity
//   gram[r·S + first + t] = gram[(first + t)·S + r] = g_t,   r = rowIndex[0]
// gram is S×S, row-major; only those entries of row r and column r are written (the diagonal
// entry once, when first + t = r), and nothing when r ≥ S. rowIndex is read from a storage
// tensor the host writes before each submit.
// One workgroup per t (folded over x and y past 65535): each invocation sums the strided
// i = lid, lid + WG, ..., then a tree reduction in workgroup memory. The differences are taken
// before the product: the rows lie close to the origin, and (a − o)·(b − o) keeps the digits
// that a·b − a·o − o·b + o·o would cancel away. t·P + i < capacity·P < 2^31 fits a u32.
override WG: u32; // a power of two, for the halving reduction

struct Params { P: u32, capacity: u32, first: u32, S: u32 }

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> snapshots: array<f32>;
@group(0) @binding(2) var<storage, read> row: array<f32>;
@group(0) @binding(3) var<storage, read> origin: array<f32>;
@group(0) @binding(4) var<storage, read> rowIndex: array<u32>;
@group(0) @binding(5) var<storage, read_write> gram: array<f32>;

var<workgroup> partial: array<f32, WG>;

@compute @workgroup_size(WG)
fn main(@builtin(local_invocation_index) lid: u32, @builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let t = wid.x + wid.y * groups.x;
  if (t >= params.capacity) { return; }
  let base = t * params.P;
  var sum = 0.0;
  for (var i = lid; i < params.P; i += WG) {
    let o = origin[i];
    sum += (row[i] - o) * (snapshots[base + i] - o);
  }
  partial[lid] = sum;
  workgroupBarrier();
  for (var stride = WG / 2u; stride > 0u; stride >>= 1u) {
    if (lid < stride) { partial[lid] += partial[lid + stride]; }
    workgroupBarrier();
  }
  if (lid == 0u) {
    let r = rowIndex[0];
    if (r < params.S) {
      let column = params.first + t;
      gram[r * params.S + column] = partial[0];
      gram[column * params.S + r] = partial[0];
    }
  }
}
