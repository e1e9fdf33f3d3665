// AdaHessian's update of flat element i of parameter e (t = step + 1; the host computes the
// scalars in float64 each step):
//   D_i   = (1 / w) Σ_{j in i's window} |gPlus[j] − gMinus[j]| / (2ε)       (|Hv| by central difference;
//           the window is the kh·kw kernel of i's (c_out, c_in) for a 4-D conv weight, i alone otherwise)
//   m     = β1 m + (1 − β1) g,    v = β2 v + (1 − β2) D²
//   denom = (√v)^k · invBiasCorrection2Pow + eps,   invBiasCorrection2Pow = 1 / (√(1 − β2^t))^k
//   θ     = θ − lrScale · (stepSize · m / denom + lr · wd · θ),  stepSize = lr / (1 − β1^t)
// with lrScale and wd the tensor's parameter group's (common/param-groups.wgsl).
// moments holds m at [0, n) and v at [n, 2n). Padding elements (g = D = m = v = θ = 0) stay 0.
// A non-finite D records the first such step in status[0] and, at that step, the smallest
// parameter index in status[1] (both start at 0xFFFFFFFF).
override WG: u32;

struct Params { n: u32, entries: u32 }

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> stepTable: array<u32>;
@group(0) @binding(2) var<storage, read> grads: array<f32>;
@group(0) @binding(3) var<storage, read> gPlus: array<f32>;
@group(0) @binding(4) var<storage, read> gMinus: array<f32>;
@group(0) @binding(5) var<storage, read_write> theta: array<f32>;
@group(0) @binding(6) var<storage, read_write> moments: array<f32>;
@group(0) @binding(7) var<storage, read_write> status: array<atomic<u32>, 2>;
@group(0) @binding(8) var<storage, read> groupTable: array<ParamGroup>;

fn scalar(k: u32) -> f32 {
  return bitcast<f32>(stepTable[STEP_SCALARS + k]);
}

fn isFinite(x: f32) -> bool {
  // NaN fails every comparison; ±Inf exceeds the largest float.
  return abs(x) <= 0x1.fffffep+127f;
}

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let i = gid.x + gid.y * groups.x * WG;
  if (i >= params.n) { return; }
  let entry = entryOf(i, params.entries);
  if (i - entry.offset >= entry.size) { return; }
  let stepSize = scalar(0u);
  let beta1 = scalar(1u);
  let oneMinusBeta1 = scalar(2u);
  let beta2 = scalar(3u);
  let oneMinusBeta2 = scalar(4u);
  let invBiasCorrection2Pow = scalar(5u);
  let power = scalar(6u);
  let eps = scalar(7u);
  let lr = scalar(8u);
  let invTwoEpsilon = scalar(9u);

  let first = entry.offset + (i - entry.offset) / entry.window * entry.window;
  var sum = 0.0;
  for (var j = first; j < first + entry.window; j++) { sum += abs(gPlus[j] - gMinus[j]); }
  let D = sum * invTwoEpsilon / f32(entry.window);
  if (!isFinite(D)) {
    let step = stepTable[0];
    if (atomicMin(&status[0], step) >= step) { atomicMin(&status[1], entry.index); }
  }

  let m = beta1 * moments[i] + oneMinusBeta1 * grads[i];
  let v = beta2 * moments[params.n + i] + oneMinusBeta2 * D * D;
  moments[i] = m;
  moments[params.n + i] = v;
  let root = sqrt(v);
  // pow(0, k) is undefined in WGSL for some k; (√v)^k is 0 there.
  let powered = select(select(pow(root, power), root, power == 1.0), 0.0, root == 0.0);
  let denom = powered * invBiasCorrection2Pow + eps;
  let p = theta[i];
  let group = paramGroupOf(i);
  theta[i] = p - group.lrScale * (stepSize * m / denom + lr * group.weightDecay * p);
}
