// Per channel c of v (B, C, S), over its B*S values:
//   MODE 0: out[c] = sum_{b,p} v[b,c,p]^2 / (B*S)   (s of a Linear / Conv2d layer, v = dLoss/d output)
//   MODE 1: out[c] = sum_{b,p} v[b,c,p] / S^2       (m_c of a BatchNorm / LayerNorm input)
//   MODE 2: out[c] = (sum_{b,p} v[b,c,p])^2 / B     (s of a BatchNorm / LayerNorm layer)
// One workgroup per channel, a strided loop over B*S and a tree reduction.
override WG: u32;
override MODE: u32;

struct Params { batch: u32, channels: u32, spatial: u32 }

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> v: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;

// WG must be a power of two for the halving reduction.
var<workgroup> partial: array<f32, WG>;

@compute @workgroup_size(WG)
fn main(@builtin(local_invocation_index) li: u32, @builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let c = wid.x + wid.y * groups.x;
  if (c >= params.channels) { return; }
  let S = params.spatial;
  let M = params.batch * S;
  // The channel's values sit in B runs of S; walking j over all of them keeps every
  // invocation busy even when S is smaller than the workgroup.
  var sum = 0.0;
  for (var j = li; j < M; j += WG) {
    let b = j / S;
    let value = v[(b * params.channels + c) * S + (j - b * S)];
    if (MODE == 0u) { sum += value * value; } else { sum += value; }
  }
  partial[li] = sum;
  workgroupBarrier();
  for (var stride = WG / 2u; stride > 0u; stride /= 2u) {
    if (li < stride) { partial[li] += partial[li + stride]; }
    workgroupBarrier();
  }
  if (li == 0u) {
    let total = partial[0];
    if (MODE == 0u) {
      out[c] = total / f32(M);
    } else if (MODE == 1u) {
      out[c] = total / (f32(S) * f32(S));
    } else {
      out[c] = (total * total) / f32(params.batch);
    }
  }
}
