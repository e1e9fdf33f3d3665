// A run's colour in the setup: its own (RunSpec.color, a CSS name or hex code) or the charts'
// palette colour for its place in the list, and the "#rrggbb" form a colour input needs.

import type { RunSpec } from '../engine/config/run-config';
import { runColor } from './charts/series';

/** The colour the charts draw a run in: its own, else the palette's for its index. */
export function displayColor(run: RunSpec, index: number): string {
  return run.color ?? runColor(index);
}

let canvasContext: CanvasRenderingContext2D | null | undefined;

/** A CSS colour name as "#rrggbb", as the browser's canvas reads it; null where there is no canvas or the name is unknown. */
function browserHex(name: string): string | null {
  if (canvasContext === undefined) canvasContext = typeof document === 'undefined' ? null : document.createElement('canvas').getContext('2d');
  if (!canvasContext) return null;
  // An unknown name leaves fillStyle unchanged: two different starting values tell it apart.
  const read = (start: string) => {
    canvasContext!.fillStyle = start;
    canvasContext!.fillStyle = name;
    return String(canvasContext!.fillStyle);
  };
  const first = read('#000000');
  return first === read('#ffffff') && /^#[0-9a-f]{6}$/.test(first) ? first : null;
}

/**
 * The colour as "#rrggbb" (the only value `<input type="color">` takes): hex codes directly
 * (#rgb expanded), names through `resolveName` (the browser's canvas by default); black when
 * neither works.
 */
export function colorInputValue(color: string, resolveName: (name: string) => string | null = browserHex): string {
  const hex = color.toLowerCase();
  if (/^#[0-9a-f]{6}$/.test(hex)) return hex;
  if (/^#[0-9a-f]{3}$/.test(hex)) return `#${[...hex.slice(1)].map((digit) => digit + digit).join('')}`;
  return resolveName(hex) ?? '#000000';
}
