// Batched cyclic Jacobi eigendecomposition of symmetric matrices, one workgroup per matrix
// (kfac-eigen.ref.ts is the float64 twin, the same rotations in the same order). Matrix i, side
// n, is read at inp[inOffset]; V (n x n, column j the eigenvector of value j) goes to
// out[outOffset], the n eigenvalues to out[valuesOffset], and the working copy W of the matrix
// follows the eigenvalues:
//   W = M, V = I; for each sweep while Σ_{i≠j} W_ij² > (n·ε)² Σ W_ij² (at most MAX_SWEEPS):
//     for p < q (row by row) with W_pq ≠ 0:
//       θ = (W_qq − W_pp) / (2 W_pq),  t = sign(θ) / (|θ| + sqrt(θ² + 1))  (1/(2θ) past 1e18),
//       c = 1 / sqrt(t² + 1),  s = t·c
//       W_kp, W_kq <- c W_kp − s W_kq, s W_kp + c W_kq  (k ≠ p, q; and the symmetric entries)
//       V_kp, V_kq <- c V_kp − s V_kq, s V_kp + c V_kq  (every k)
//       W_pp −= t W_pq,  W_qq += t W_pq,  W_pq = W_qp = 0
//   value_j = W_jj, or 0 when W_jj ≤ FLOOR (the notebook's 1e-10).
// Invocation k owns row and column k of W and row k of V during a rotation; the rotation's
// scalars go through workgroup memory so every branch and loop around a barrier is uniform.
// A matrix with an infinite or NaN entry (tested by bit pattern, as WGSL may assume floats are
// finite) gives all-NaN V and values.
override WG: u32;
override MAX_SWEEPS: u32;

struct Params { count: u32, epsilon: f32, floor: f32, nanBits: u32 }

@group(0) @binding(0) var<uniform> params: Params;
// (inOffset, n, outOffset, valuesOffset) per matrix.
@group(0) @binding(1) var<storage, read> table: array<vec4u>;
@group(0) @binding(2) var<storage, read> inp: array<f32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;

var<workgroup> sharedEntry: vec4u;
var<workgroup> sums: array<vec2f, WG>;
var<workgroup> rotation: vec4f; // (W_pq, W_pp, W_qq, unused)
var<workgroup> converged: u32;
var<workgroup> bad: atomic<u32>;
var<workgroup> failedFlag: u32;

@compute @workgroup_size(WG)
fn main(@builtin(local_invocation_index) li: u32, @builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let index = wid.x + wid.y * groups.x;
  if (index >= params.count) { return; }
  if (li == 0u) {
    sharedEntry = table[index];
    atomicStore(&bad, 0u);
  }
  let entry = workgroupUniformLoad(&sharedEntry);
  let source = entry.x;
  let n = entry.y;
  let vBase = entry.z;
  let valueBase = entry.w;
  let w = valueBase + n;

  for (var e = li; e < n * n; e += WG) {
    let value = inp[source + e];
    if (((bitcast<u32>(value) >> 23u) & 0xFFu) == 0xFFu) { atomicOr(&bad, 1u); }
    out[w + e] = value;
    out[vBase + e] = select(0.0, 1.0, e % (n + 1u) == 0u);
  }
  storageBarrier();
  workgroupBarrier();
  if (li == 0u) { failedFlag = atomicLoad(&bad); }
  let failed = workgroupUniformLoad(&failedFlag) != 0u;

  if (!failed) {
    for (var sweep = 0u; sweep < MAX_SWEEPS; sweep++) {
      // (off-diagonal, total) squared mass, reduced over the workgroup.
      var mass = vec2f(0.0);
      for (var e = li; e < n * n; e += WG) {
        let square = out[w + e] * out[w + e];
        mass += vec2f(select(square, 0.0, e % (n + 1u) == 0u), square);
      }
      sums[li] = mass;
      workgroupBarrier();
      for (var stride = WG / 2u; stride > 0u; stride /= 2u) {
        if (li < stride) { sums[li] += sums[li + stride]; }
        workgroupBarrier();
      }
      if (li == 0u) {
        let limit = f32(n) * params.epsilon;
        converged = select(0u, 1u, sums[0].x <= limit * limit * sums[0].y);
      }
      if (workgroupUniformLoad(&converged) != 0u) { break; }

      for (var p = 0u; p + 1u < n; p++) {
        for (var q = p + 1u; q < n; q++) {
          if (li == 0u) { rotation = vec4f(out[w + p * n + q], out[w + p * n + p], out[w + q * n + q], 0.0); }
          let r = workgroupUniformLoad(&rotation);
          let apq = r.x;
          if (apq == 0.0) { continue; }
          let theta = (r.z - r.y) / (2.0 * apq);
          var t = 0.5 / theta;
          if (abs(theta) <= 1e18) { t = select(-1.0, 1.0, theta >= 0.0) / (abs(theta) + sqrt(theta * theta + 1.0)); }
          let c = 1.0 / sqrt(t * t + 1.0);
          let s = t * c;
          for (var k = li; k < n; k += WG) {
            if (k != p && k != q) {
              let akp = out[w + k * n + p];
              let akq = out[w + k * n + q];
              let newP = c * akp - s * akq;
              let newQ = s * akp + c * akq;
              out[w + k * n + p] = newP;
              out[w + p * n + k] = newP;
              out[w + k * n + q] = newQ;
              out[w + q * n + k] = newQ;
            }
            let vkp = out[vBase + k * n + p];
            let vkq = out[vBase + k * n + q];
            out[vBase + k * n + p] = c * vkp - s * vkq;
            out[vBase + k * n + q] = s * vkp + c * vkq;
          }
          if (li == 0u) {
            out[w + p * n + p] = r.y - t * apq;
            out[w + q * n + q] = r.z + t * apq;
            out[w + p * n + q] = 0.0;
            out[w + q * n + p] = 0.0;
          }
          storageBarrier();
        }
      }
    }
  }

  for (var j = li; j < n; j += WG) {
    let value = out[w + j * n + j];
    out[valueBase + j] = select(value, 0.0, value <= params.floor);
    if (failed) { out[valueBase + j] = bitcast<f32>(params.nanBits); }
  }
  if (failed) {
    for (var e = li; e < n * n; e += WG) { out[vBase + e] = bitcast<f32>(params.nanBits); }
  }
}
