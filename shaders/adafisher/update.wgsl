// One AdaFisher step over the whole flat parameter buffer, t = step + 1:
//   F = S[s + r] * H[h + c] + λ for element (r, c) of a (rows, cols) preconditioned tensor, F = 1 otherwise;
//   AdaFisher (coupled):    g' = g + wd θ;  m <- β m + (1-β) g';  θ <- θ - (lr' / (1-β^t)) * (m / F)
//   AdaFisherW (DECOUPLED): m <- β m + (1-β) g;  θ <- θ - lr' * (m / (1-β^t) / F + wd θ)
// with lr' = lr * lrScale and wd the tensor's parameter group's (lrScale 1 and the optimizer's
// weight decay outside groups). No square root: F divides the momentum directly. The table lists
// every parameter tensor (start, size, cols, h, s, kronecker, lrScale, wd) sorted by start;
// elements in no tensor (the layout's padding) are left alone, so they stay zero.
override WG: u32;
override DECOUPLED: bool;

struct Params { n: u32, entries: u32, beta: f32, oneMinusBeta: f32, damping: f32 }
// Written by prepare() each step: lr, lr / (1-β^t), 1-β^t.
struct Step { lr: f32, stepSize: f32, correction: f32 }
struct Entry { start: u32, size: u32, cols: u32, h: u32, s: u32, kronecker: u32, lrScale: f32, weightDecay: f32 }

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> step: Step;
@group(0) @binding(2) var<storage, read> table: array<Entry>;
@group(0) @binding(3) var<storage, read> factors: array<f32>;
@group(0) @binding(4) var<storage, read> grads: array<f32>;
@group(0) @binding(5) var<storage, read_write> theta: array<f32>;
@group(0) @binding(6) var<storage, read_write> momentum: array<f32>;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let i = gid.x + gid.y * groups.x * WG;
  if (i >= params.n) { return; }
  // The last entry starting at or before i.
  var lo = 0u;
  var hi = params.entries;
  while (hi - lo > 1u) {
    let mid = (lo + hi) / 2u;
    if (table[mid].start <= i) { lo = mid; } else { hi = mid; }
  }
  let entry = table[lo];
  if (i < entry.start || i >= entry.start + entry.size) { return; }
  var F = 1.0;
  if (entry.kronecker != 0u) {
    let local = i - entry.start;
    F = factors[entry.s + local / entry.cols] * factors[entry.h + local % entry.cols] + params.damping;
  }
  let value = theta[i];
  if (DECOUPLED) {
    let m = params.beta * momentum[i] + params.oneMinusBeta * grads[i];
    momentum[i] = m;
    theta[i] = value - step.lr * entry.lrScale * (m / step.correction / F + entry.weightDecay * value);
  } else {
    let g = grads[i] + entry.weightDecay * value;
    let m = params.beta * momentum[i] + params.oneMinusBeta * g;
    momentum[i] = m;
    theta[i] = value - step.stepSize * entry.lrScale * (m / F);
  }
}
