// Training-mode backward, xhat = (x - mean_c) * invStd_c, sums over the channel's M = B * HW values:
// dBeta_c (+)= sum dOut, dGamma_c (+)= sum dOut * xhat,
// dInp (+)= gamma_c * invStd_c / M * (M * dOut - sum dOut - xhat * sum dOut * xhat).
// One workgroup per channel reduces the two sums and writes dGamma and dBeta. Entry point `main`
// then writes the channel's dInp itself: when dGamma/dBeta accumulate, this call's sums exist
// nowhere in memory for a separate dInp kernel. Entry point `paramsOnly` stops after the sums,
// for a layer whose input needs no gradient. GAMMA_GRAD / BETA_GRAD off (a frozen parameter)
// leave that binding unwritten.
//
// Layout 'auto' keeps only the bindings an entry point uses, so those read for dInp alone
// (gamma, dInp) come last: paramsOnly's bindings are then 0..6, without a gap.
override WG: u32;
override ACCUMULATE: bool;
override ACCUMULATE_PARAMS: bool;
override GAMMA_GRAD: bool;
override BETA_GRAD: bool;

struct Params { B: u32, C: u32, HW: u32 }

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> dOut: array<f32>;
@group(0) @binding(2) var<storage, read> inp: array<f32>;
@group(0) @binding(3) var<storage, read> mean: array<f32>;
@group(0) @binding(4) var<storage, read> invStd: array<f32>;
@group(0) @binding(5) var<storage, read_write> dGamma: array<f32>;
@group(0) @binding(6) var<storage, read_write> dBeta: array<f32>;
@group(0) @binding(7) var<storage, read> gamma: array<f32>;
@group(0) @binding(8) var<storage, read_write> dInp: array<f32>;

// (sum dOut, sum dOut * xhat) partials; WG must be a power of two for the halving reduction.
var<workgroup> partial: array<vec2f, WG>;

// Where value j of channel c sits: its M values lie in B runs of HW.
fn channelIndex(c: u32, j: u32) -> u32 {
  let b = j / params.HW;
  return (b * params.C + c) * params.HW + (j - b * params.HW);
}

// Writes dBeta[c] and dGamma[c] and returns (sum dOut, sum dOut * xhat) to every invocation.
fn parameterGradients(li: u32, c: u32) -> vec2f {
  let M = params.B * params.HW;
  let mu = mean[c];
  let s = invStd[c];
  var sums = vec2f(0.0);
  for (var j = li; j < M; j += WG) {
    let i = channelIndex(c, j);
    let g = dOut[i];
    sums += vec2f(g, g * (inp[i] - mu) * s);
  }
  partial[li] = sums;
  workgroupBarrier();
  for (var stride = WG / 2u; stride > 0u; stride /= 2u) {
    if (li < stride) { partial[li] += partial[li + stride]; }
    workgroupBarrier();
  }
  let total = partial[0];
  if (li == 0u && BETA_GRAD) {
    var gradBeta = total.x;
    if (ACCUMULATE_PARAMS) { gradBeta += dBeta[c]; }
    dBeta[c] = gradBeta;
  }
  if (li == 0u && GAMMA_GRAD) {
    var gradGamma = total.y;
    if (ACCUMULATE_PARAMS) { gradGamma += dGamma[c]; }
    dGamma[c] = gradGamma;
  }
  return total;
}

// The channel count may exceed one grid dimension, so channels are folded over x and y.
fn channelOf(wid: vec3u, groups: vec3u) -> u32 {
  return wid.x + wid.y * groups.x;
}

@compute @workgroup_size(WG)
fn main(@builtin(local_invocation_index) li: u32, @builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let c = channelOf(wid, groups);
  if (c >= params.C) { return; }
  let total = parameterGradients(li, c);
  let M = params.B * params.HW;
  let m = f32(M);
  let mu = mean[c];
  let s = invStd[c];
  let scale = gamma[c] * s / m;
  for (var j = li; j < M; j += WG) {
    let i = channelIndex(c, j);
    let xhat = (inp[i] - mu) * s;
    var grad = scale * (m * dOut[i] - total.x - xhat * total.y);
    if (ACCUMULATE) { grad += dInp[i]; }
    dInp[i] = grad;
  }
}

@compute @workgroup_size(WG)
fn paramsOnly(@builtin(local_invocation_index) li: u32, @builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let c = channelOf(wid, groups);
  if (c >= params.C) { return; }
  parameterGradients(li, c);
}
