// One workgroup per prediction row b (a 2-D grid past 65535 rows). A row whose true label is
// IGNORE_TARGET keeps it. Otherwise, with e_k = exp(logits[b,k] - max_j logits[b,j]),
// S = Σ_k e_k and u_b the Philox uniform of row b (key (seed, stream), counter
// (floor(b / 4), step[0], 0, 0), word b mod 4: philoxUniform's element b):
//   out[b] = the smallest k with u_b · S < e_0 + … + e_k,
// the inverse CDF of softmax(logits_b), so out[b] ~ Categorical(softmax(logits_b)).
// Layout: lane l owns the contiguous classes [l·C, (l+1)·C), C = ceil(K / WG). Each lane sums
// its classes, a Hillis-Steele scan over the lanes gives each chunk's cumulative bounds
// [P_l, I_l) (P_l is exactly I_(l-1), so the chunks tile [0, S) without gaps), the lane whose
// chunk holds t = u_b · S walks its classes. Rounding can leave t past the walk's last partial
// sum (or u_b · S round up to S): then the chunk's last class with e_k > 0 is taken. With
// non-finite logits (a diverged run) no chunk holds t and the label is 0.
override WG: u32; // a power of two, for the reductions and the scan
override IGNORE_TARGET: u32;

struct Params { rows: u32, classes: u32, seed: u32, stream: u32 }

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> logits: array<f32>;
@group(0) @binding(2) var<storage, read> labels: array<u32>;
@group(0) @binding(3) var<storage, read> step: array<u32>;
@group(0) @binding(4) var<storage, read_write> out: array<u32>;

var<workgroup> partial: array<f32, WG>;
var<workgroup> choice: u32;

const LOWEST_F32 = -0x1.fffffep+127f;
const NONE = 0xFFFFFFFFu;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32, @builtin(num_workgroups) groups: vec3u) {
  let b = wid.x + wid.y * groups.x;
  // Uniform across the workgroup, so every barrier below is reached by all or none.
  if (b >= params.rows) { return; }
  // A read-only storage load at a uniform index is uniform, so this return is too.
  if (labels[b] == IGNORE_TARGET) {
    if (lid == 0u) { out[b] = IGNORE_TARGET; }
    return;
  }
  let K = params.classes;
  let row = b * K;

  var m = LOWEST_F32;
  for (var k = lid; k < K; k += WG) { m = max(m, logits[row + k]); }
  partial[lid] = m;
  workgroupBarrier();
  for (var stride = WG / 2u; stride > 0u; stride >>= 1u) {
    if (lid < stride) { partial[lid] = max(partial[lid], partial[lid + stride]); }
    workgroupBarrier();
  }
  let rowMax = partial[0];
  workgroupBarrier();

  let chunk = (K + WG - 1u) / WG;
  let first = min(lid * chunk, K);
  let end = min(first + chunk, K);
  var s = 0.0;
  for (var k = first; k < end; k++) { s += exp(logits[row + k] - rowMax); }
  partial[lid] = s;
  if (lid == 0u) { choice = NONE; }
  workgroupBarrier();
  for (var offset = 1u; offset < WG; offset <<= 1u) {
    let before = select(0.0, partial[max(lid, offset) - offset], lid >= offset);
    workgroupBarrier();
    partial[lid] += before;
    workgroupBarrier();
  }
  let total = partial[WG - 1u];
  let upper = partial[lid];
  let lower = select(0.0, partial[max(lid, 1u) - 1u], lid > 0u);

  let words = philox4x32_10(vec4u(b / 4u, step[0], 0u, 0u), vec2u(params.seed, params.stream));
  let t = philox_uniform(words[b % 4u]) * total;
  let holds = (lower <= t && t < upper) || (t >= total && lower < total && upper >= total);
  if (holds) {
    var label = NONE;
    var lastPositive = first;
    var acc = lower;
    for (var k = first; k < end; k++) {
      let e = exp(logits[row + k] - rowMax);
      if (e > 0.0) { lastPositive = k; }
      acc += e;
      if (t < acc) { label = k; break; }
    }
    choice = select(label, lastPositive, label == NONE);
  }
  workgroupBarrier();
  if (lid == 0u) { out[b] = select(choice, 0u, choice == NONE); }
}
