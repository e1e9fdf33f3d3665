// K-FAC's factored Tikhonov damping (ASDL), one invocation per layer of the table:
//   tr A = Σ_i F[aOffset + i·(aSide + 1)],  tr B = Σ_i F[bOffset + i·(bSide + 1)]
//   π = sqrt((tr A / aDim) / (tr B / bDim)),  r = sqrt(λ)
//   λ_A = max(r·π, 1e-7),  λ_B = max(r/π, 1e-7);  when π is 0, ∞ or undefined, λ_A = λ_B = λ
//   ridges[ridgeA] = λ_A,  ridges[ridgeB] = λ_B
// (On the Woodbury route the A matrix is K = s·XXᵀ, rows x rows, whose trace is tr A; aDim is
// still A's side.)
// The ratio is tested by its bit pattern (a zero, subnormal, infinite or NaN exponent), because
// WGSL lets a compiler assume that no value is infinite or NaN.
override WG: u32;

struct Params { count: u32, damping: f32, root: f32, floor: f32 }

// Two vec4u per layer: (aOffset, aSide, aDim, ridgeA), (bOffset, bSide, bDim, ridgeB).
struct Entry { a: vec4u, b: vec4u }

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> table: array<Entry>;
@group(0) @binding(2) var<storage, read> factors: array<f32>;
@group(0) @binding(3) var<storage, read_write> ridges: array<f32>;

fn diagonal_sum(offset: u32, side: u32) -> f32 {
  var sum = 0.0;
  for (var i = 0u; i < side; i++) { sum += factors[offset + i * (side + 1u)]; }
  return sum;
}

fn is_normal(x: f32) -> bool {
  let exponent = (bitcast<u32>(x) >> 23u) & 0xFFu;
  return exponent != 0u && exponent != 0xFFu;
}

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let layer = gid.x;
  if (layer >= params.count) { return; }
  let entry = table[layer];
  let meanA = diagonal_sum(entry.a.x, entry.a.y) / f32(entry.a.z);
  let meanB = diagonal_sum(entry.b.x, entry.b.y) / f32(entry.b.z);
  var lambdaA = params.damping;
  var lambdaB = params.damping;
  if (meanA > 0.0 && meanB > 0.0) {
    let ratio = meanA / meanB;
    if (is_normal(ratio)) {
      let pi = sqrt(ratio);
      lambdaA = max(params.root * pi, params.floor);
      lambdaB = max(params.root / pi, params.floor);
    }
  }
  ridges[entry.a.w] = lambdaA;
  ridges[entry.b.w] = lambdaB;
}
