import { describe, expect, it } from 'vitest';
import { RUN_COLORS } from './charts/series';
import { DEFAULT_TABULAR_RUNS } from './default-runs';
import { colorInputValue, displayColor } from './run-colors';

describe('run colours', () => {
  it("is the run's own colour, else the palette's for its place", () => {
    expect(displayColor(DEFAULT_TABULAR_RUNS[0], 3)).toBe('black');
    expect(displayColor({ ...DEFAULT_TABULAR_RUNS[1], color: undefined }, 1)).toBe(RUN_COLORS[1]);
  });

  it('gives a colour input "#rrggbb": hex as is, short hex expanded, names resolved, black for the unknown', () => {
    const names: Record<string, string> = { cyan: '#00ffff' };
    const resolve = (name: string) => names[name] ?? null;
    expect(colorInputValue('#1F77B4', resolve)).toBe('#1f77b4');
    expect(colorInputValue('#0af', resolve)).toBe('#00aaff');
    expect(colorInputValue('cyan', resolve)).toBe('#00ffff');
    expect(colorInputValue('notacolour', resolve)).toBe('#000000');
    // Without a canvas (node), names fall back to black rather than throwing.
    expect(colorInputValue('cyan')).toBe('#000000');
  });
});
