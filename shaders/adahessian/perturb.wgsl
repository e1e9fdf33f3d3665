// The point of one of AdaHessian's two extra gradients: for flat element i in parameter e,
//   perturbed[i] = theta[i] + h · v_i,   v_i = rademacher(e, i − offset_e) = ±1,
// and perturbed[i] = theta[i] in the padding between parameters. h is +ε or −ε.
override WG: u32;

struct Params { n: u32, entries: u32, seed: u32, stream: u32, h: f32 }

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> stepTable: array<u32>;
@group(0) @binding(2) var<storage, read> theta: array<f32>;
@group(0) @binding(3) var<storage, read_write> perturbed: array<f32>;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let i = gid.x + gid.y * groups.x * WG;
  if (i >= params.n) { return; }
  let entry = entryOf(i, params.entries);
  let j = i - entry.offset;
  var value = theta[i];
  if (j < entry.size) { value += params.h * rademacher(entry.index, j, params.seed, params.stream); }
  perturbed[i] = value;
}

/**
 * v = ±1 for element j of parameter e at the step in stepTable[0]: the top bit of word (j mod 4) of
 * Philox4x32-10 with counter (floor(j / 4), step, e, 0) and key (seed, stream), 0 giving +1.
 * Indexed by (parameter, element), not by flat offset, so the float64 twin draws the same
 * signs whatever the device's buffer alignment.
 */
fn rademacher(e: u32, j: u32, seed: u32, stream: u32) -> f32 {
  let words = philox4x32_10(vec4u(j / 4u, stepTable[0], e, 0u), vec2u(seed, stream));
  return select(1.0, -1.0, (words[j % 4u] >> 31u) == 1u);
}
