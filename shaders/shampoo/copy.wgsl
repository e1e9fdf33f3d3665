// out[i] = grads[i] over the whole flat gradient buffer: the raw gradients that each parameter's
// chain of mode products starts from, so that its last product can write the model's gradients.
override WG: u32;

@group(0) @binding(0) var<storage, read> grads: array<f32>;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let i = gid.x + gid.y * groups.x * WG;
  if (i >= arrayLength(&out)) { return; }
  out[i] = grads[i];
}
