// A snapshot's place on a plane through the centre c spanned by d_x and d_y, from the dot
// products the GPU computes: p = <θ − c, d_x>, q = <θ − c, d_y>, r² = ‖θ − c‖². The directions
// need not be orthogonal (Li et al.'s random directions are not), so the coordinates are the
// least-squares solution of [d_x d_y] (x, y)ᵀ ≈ θ − c, i.e. the 2 x 2 normal equations
//   [<d_x,d_x> <d_x,d_y>; <d_x,d_y> <d_y,d_y>] (x, y)ᵀ = (p, q)ᵀ,
// and the distance from the plane is √(r² − (x p + y q)), the residual's norm.

export interface DirectionGram {
  xx: number;
  xy: number;
  yy: number;
}

export interface PlanePoint {
  x: number;
  y: number;
  offPlane: number;
}

export function projectOntoPlane(p: number, q: number, squaredNorm: number, gram: DirectionGram): PlanePoint {
  const { xx, xy, yy } = gram;
  const det = xx * yy - xy * xy;
  let x: number;
  let y: number;
  if (det > 1e-12 * Math.max(xx * yy, 1e-300)) {
    x = (yy * p - xy * q) / det;
    y = (xx * q - xy * p) / det;
  } else {
    // One direction is zero (a PCA axis the snapshots do not span) or both are parallel: project on the other.
    x = xx > 0 ? p / xx : 0;
    y = xx > 0 || yy <= 0 ? 0 : q / yy;
  }
  const inPlane = x * p + y * q;
  return { x, y, offPlane: Math.sqrt(Math.max(0, squaredNorm - inPlane)) };
}
