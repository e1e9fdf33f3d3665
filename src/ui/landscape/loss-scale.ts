// The colour scale of a landscape: the loss itself, or log10 of it with the ticks still
// labelled in loss units. Shared by every surface of a figure, so side-by-side pictures
// use the same colour for the same loss.

export interface LossScale {
  log: boolean;
  /** The drawn value of a loss: the loss, or log10(loss); null where there is none (or, on a log scale, a loss <= 0). */
  drawn(loss: number | null | undefined): number | null;
  /** The range of drawn values over the surfaces, or null when they hold no value. */
  range: [number, number] | null;
  /** Log scale: tick positions (drawn values) and their labels in loss units. */
  ticks: { values: number[]; labels: string[] } | null;
}

/** A loss with three significant digits, as short as that allows: 0.812, 1.25, 0.000431, 1.2e+4. */
export function formatLoss(loss: number): string {
  if (!Number.isFinite(loss)) return String(loss);
  const abs = Math.abs(loss);
  if (abs !== 0 && (abs < 1e-4 || abs >= 1e5)) return loss.toExponential(2).replace(/\.?0+e/, 'e');
  return String(Number(loss.toPrecision(3)));
}

/**
 * Tick values in loss units for a log scale over [low, high] (both > 0): the 1-2-5 values
 * inside the range, or, when fewer than three fit (a narrow range), five values spaced
 * evenly in log10 and rounded to three digits.
 */
export function logTicks(low: number, high: number): number[] {
  const ticks: number[] = [];
  for (let exponent = Math.floor(Math.log10(low)); exponent <= Math.ceil(Math.log10(high)); exponent++) {
    for (const mantissa of [1, 2, 5]) {
      const value = Number((mantissa * 10 ** exponent).toPrecision(1));
      if (value >= low && value <= high) ticks.push(value);
    }
  }
  if (ticks.length >= 3) return ticks;
  if (!(high > low)) return [Number(low.toPrecision(3))];
  const [a, b] = [Math.log10(low), Math.log10(high)];
  return Array.from({ length: 5 }, (_, i) => Number((10 ** (a + ((b - a) * i) / 4)).toPrecision(3)));
}

/** The scale over every value of `grids` (each a losses[j][i] array). */
export function lossScale(grids: readonly (readonly (readonly (number | null)[])[])[], log: boolean): LossScale {
  const drawn = (loss: number | null | undefined): number | null => {
    if (loss === null || loss === undefined || !Number.isFinite(loss)) return null;
    if (!log) return loss;
    return loss > 0 ? Math.log10(loss) : null;
  };
  let low = Infinity;
  let high = -Infinity;
  for (const grid of grids) {
    for (const row of grid) {
      for (const loss of row) {
        const value = drawn(loss);
        if (value === null) continue;
        low = Math.min(low, value);
        high = Math.max(high, value);
      }
    }
  }
  const range: [number, number] | null = low <= high ? [low, high] : null;
  const ticks =
    log && range
      ? (() => {
          const values = logTicks(10 ** range[0], 10 ** range[1]);
          return { values: values.map(Math.log10), labels: values.map(formatLoss) };
        })()
      : null;
  return { log, drawn, range, ticks };
}
