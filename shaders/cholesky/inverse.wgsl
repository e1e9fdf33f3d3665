// out_i = (M_i + ridge[i] I)^-1 for every symmetric positive definite M_i of a matrix table:
// M_i is n x n row-major at inp[offset..], out_i at out[offset..], (offset, n) = table[2i..2i+2].
// Only M_i's lower triangle is read. As torch.cholesky_inverse(torch.linalg.cholesky(A)):
//   A = M + ridge I = L L^T,  X = L^-1,  A^-1 = X^T X.
// A pivot that is not > 0 (or not finite) means A is not numerically positive definite: then
// every entry of out_i is NaN, so a finite check downstream catches it.
//
// One workgroup per matrix, working in place in out_i (matrices can be far larger than workgroup
// memory). Each phase spreads independent entries over the WG invocations and ends with a
// storage barrier; loops whose length varies give each invocation whole columns, in the order
// li, 2 WG - 1 - li, 2 WG + li, ... (the columns near 0 cost the most), so that the work evens out
// and each invocation reads rows contiguously.
// 1. Lower triangle W = A, then for j = 0..n-1 (left-looking Cholesky, two barriers per column):
//    W[i][j] -= sum_{k < j} L[i][k] L[j][k] for i >= j, one row per invocation; the pivot W[j][j]
//    stays on the diagonal and L[i][j] = W[i][j] / sqrt(W[j][j]) below it. Then L[j][j] = sqrt(W[j][j]).
// 2. X = L^-1 by forward substitution, one column j per invocation, X[i][j] (i > j) stored
//    transposed in the strictly upper triangle (out[j][i]); then the diagonal becomes 1 / L[j][j].
//    The upper triangle and diagonal now hold U = X^T.
// 3. A^-1[b][a] = sum_{k >= b} U[a][k] U[b][k] into the strictly lower triangle (b > a), one
//    column a per invocation; then the diagonal sum_{k >= a} U[a][k]^2 (each invocation reads and
//    writes only its own rows); then the lower triangle mirrored into the upper one.
override WG: u32;

// nanBits = 0x7fc00000, a quiet NaN's bits: WGSL has no NaN constant, and a bitcast of a
// constant is folded and rejected, so the value arrives at run time.
struct Params { count: u32, nanBits: u32 }

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> table: array<u32>;
@group(0) @binding(2) var<storage, read> ridge: array<f32>;
@group(0) @binding(3) var<storage, read> inp: array<f32>;
@group(0) @binding(4) var<storage, read_write> out: array<f32>;

// The matrix's side and offset, read once and made workgroup-uniform, as the loops around the
// barriers must be.
var<workgroup> sharedSide: u32;
var<workgroup> sharedBase: u32;

@compute @workgroup_size(WG)
fn main(@builtin(local_invocation_index) li: u32, @builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let index = wid.x + wid.y * groups.x;
  if (index >= params.count) { return; }
  if (li == 0u) {
    sharedBase = table[2u * index];
    sharedSide = table[2u * index + 1u];
  }
  let n = workgroupUniformLoad(&sharedSide);
  let base = workgroupUniformLoad(&sharedBase);
  let lambda = ridge[index];

  // A = M + ridge I, lower triangle.
  for (var e = li; e < n * n; e += WG) {
    let i = e / n;
    let k = e % n;
    if (k <= i) { out[base + e] = inp[base + e] + select(0.0, lambda, i == k); }
  }
  storageBarrier();

  // 1. Cholesky. Every invocation reads the same pivots, so `failed` agrees across the workgroup.
  var failed = false;
  for (var j = 0u; j < n; j++) {
    for (var i = j + li; i < n; i += WG) {
      var sum = out[base + i * n + j];
      for (var k = 0u; k < j; k++) { sum -= out[base + i * n + k] * out[base + j * n + k]; }
      out[base + i * n + j] = sum;
    }
    storageBarrier();
    let pivot = out[base + j * n + j];
    failed = failed || !(pivot > 0.0 && pivot <= 3.4e38);
    let scale = 1.0 / sqrt(pivot);
    for (var i = j + 1u + li; i < n; i += WG) { out[base + i * n + j] *= scale; }
    storageBarrier();
  }
  for (var i = li; i < n; i += WG) { out[base + i * n + i] = sqrt(out[base + i * n + i]); }
  storageBarrier();

  // 2. X = L^-1, column j in row j of the upper triangle.
  for (var round = 0u; round * WG < n; round++) {
    let j = round * WG + select(WG - 1u - li, li, round % 2u == 0u);
    if (j < n) {
      let xjj = 1.0 / out[base + j * n + j];
      for (var i = j + 1u; i < n; i++) {
        var sum = out[base + i * n + j] * xjj;
        for (var k = j + 1u; k < i; k++) { sum += out[base + i * n + k] * out[base + j * n + k]; }
        out[base + j * n + i] = -sum / out[base + i * n + i];
      }
    }
  }
  storageBarrier();
  for (var i = li; i < n; i += WG) { out[base + i * n + i] = 1.0 / out[base + i * n + i]; }
  storageBarrier();

  // 3. A^-1 = U U^T (U = X^T upper triangular): the strictly lower triangle, then the diagonal.
  for (var round = 0u; round * WG < n; round++) {
    let a = round * WG + select(WG - 1u - li, li, round % 2u == 0u);
    if (a < n) {
      for (var b = a + 1u; b < n; b++) {
        var sum = 0.0;
        for (var k = b; k < n; k++) { sum += out[base + a * n + k] * out[base + b * n + k]; }
        out[base + b * n + a] = sum;
      }
    }
  }
  storageBarrier();
  for (var a = li; a < n; a += WG) {
    var sum = 0.0;
    for (var k = a; k < n; k++) { sum += out[base + a * n + k] * out[base + a * n + k]; }
    out[base + a * n + a] = sum;
  }
  storageBarrier();
  for (var e = li; e < n * n; e += WG) {
    let i = e / n;
    let k = e % n;
    if (failed) {
      out[base + e] = bitcast<f32>(params.nanBits);
    } else if (k > i) {
      out[base + e] = out[base + k * n + i];
    }
  }
}
