import { describe, expect, it } from 'vitest';
import { erf, erfc, normalCdf, normalPdf } from './erf.ref';

// Values from mpmath at 30 digits, rounded to float64.
const ERF = [
  [0.5, 0.5204998778130465],
  [1, 0.8427007929497149],
  [2, 0.9953222650189527],
  [1e-10, 1.1283791670955126e-10],
] as const;
const ERFC = [
  [0.1, 0.887537083981715],
  [1, 0.15729920705028513],
  [1.5, 0.033894853524689274],
  [2, 0.004677734981047266],
  [2.5, 0.0004069520174449589],
  [3, 2.209049699858544e-5],
  [5, 1.537459794428035e-12],
  [6, 2.1519736712498913e-17],
  [10, 2.088487583762545e-45],
  [26, 5.663192408856143e-296],
] as const;

const relative = (actual: number, expected: number) => Math.abs(actual - expected) / Math.abs(expected);

describe('float64 erf', () => {
  it('matches known values of erf to 3e-16 (under 1.5 ulp)', () => {
    for (const [x, value] of ERF) {
      expect(relative(erf(x), value), `erf(${x})`).toBeLessThan(3e-16);
      expect(erf(-x), `erf(-${x})`).toBe(-erf(x));
    }
    expect(erf(0)).toBe(0);
    // 1 - 2.15e-17 rounds to 1 in float64.
    expect(erf(6)).toBe(1);
    expect(erf(-Infinity)).toBe(-1);
    expect(erf(NaN)).toBeNaN();
  });

  it('matches known values of erfc to 3e-16 where the continued fraction serves, 5e-14 below', () => {
    for (const [x, value] of ERFC) expect(relative(erfc(x), value), `erfc(${x})`).toBeLessThan(x >= 2 ? 3e-16 : 5e-14);
    expect(erfc(-1)).toBeCloseTo(2 - 0.15729920705028513, 15);
    expect(erfc(Infinity)).toBe(0);
  });

  it('the series and the continued fraction agree across their border', () => {
    // erf just below 2 by the series against 1 - erfc just above, through the derivative 2/sqrt(pi) exp(-x^2):
    // within 4 ulp of values near 1.
    const below = erf(2 - 1e-9);
    const above = erf(2 + 1e-9);
    const slope = (2 / Math.sqrt(Math.PI)) * Math.exp(-4);
    expect(Math.abs(above - below - 2e-9 * slope)).toBeLessThan(4.5e-16);
  });

  it('gives the normal distribution and density in both tails', () => {
    // Phi(-10) = 7.619853024160525e-24 and phi(-3) * sqrt(2 pi) = exp(-4.5).
    expect(relative(normalCdf(-10), 7.619853024160525e-24)).toBeLessThan(1e-14);
    expect(relative(normalCdf(1), 0.8413447460685429)).toBeLessThan(2e-16);
    expect(normalCdf(0)).toBe(0.5);
    expect(relative(normalPdf(-3) * Math.sqrt(2 * Math.PI), Math.exp(-4.5))).toBeLessThan(2e-16);
  });
});
