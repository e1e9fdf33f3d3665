// float64 reference of the Woodbury route's last step:
//   (λI + s·XᵀX)⁻¹ = (1/λ)(I − s·P),  P = Xᵀ (λI + s·XXᵀ)⁻¹ X.

/** inverse <- (I − scale·inverse) / ridges[ridgeIndex], in place on a d x d matrix. */
export function woodburyFinish(inverse: Float64Array, ridges: ArrayLike<number>, d: number, scale: number, ridgeIndex: number): void {
  if (inverse.length !== d * d) throw new Error(`woodburyFinish: inverse has ${inverse.length} values, expected ${d}x${d}`);
  const lambda = ridges[ridgeIndex];
  for (let k = 0; k < d * d; k++) inverse[k] = ((k % (d + 1) === 0 ? 1 : 0) - scale * inverse[k]) / lambda;
}
