// out[i] = uniform [0, 1) from Philox4x32-10 with key (seed, stream) and counter
// (floor(i / 4), step[0], 0, 0): word i mod 4 of that block, its top 24 bits over 2^24.
// The step is read from a buffer, so one recorded plan draws new numbers every step.
override WG: u32;

struct Params { n: u32, seed: u32, stream: u32 }

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> step: array<u32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let i = gid.x + gid.y * groups.x * WG;
  if (i >= params.n) { return; }
  let block = philox4x32_10(vec4u(i / 4u, step[0], 0u, 0u), vec2u(params.seed, params.stream));
  out[i] = philox_uniform(block[i % 4u]);
}
