// Gershgorin discs of a square matrix: every eigenvalue lies in the union of the discs with
// centre c_i = M_ii and radius r_i = Σ_j |M_ij| − |M_ii| (row sums, as the seed draws them).

export interface GershgorinDiscs {
  readonly centers: number[];
  readonly radii: number[];
}

export function gershgorinDiscs(values: ArrayLike<number>, n: number): GershgorinDiscs {
  const centers: number[] = [];
  const radii: number[] = [];
  for (let i = 0; i < n; i++) {
    let offDiagonal = 0;
    for (let j = 0; j < n; j++) if (j !== i) offDiagonal += Math.abs(values[i * n + j]);
    centers.push(values[i * n + i]);
    radii.push(offDiagonal);
  }
  return { centers, radii };
}
