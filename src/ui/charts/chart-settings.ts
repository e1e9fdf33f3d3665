// How the charts are drawn: smoothing, x axis, log scales and the runs toggled off. Kept in
// localStorage so the choice survives a reload; what comes back from storage is checked,
// since an older or hand-edited entry must not break the charts.

import { create } from 'zustand';
import { createJSONStorage, persist } from 'zustand/middleware';
import { PANELS, X_AXES, type PanelId, type XAxis } from './series';

export const MAX_SMOOTHING = 0.99;

export interface LogScales {
  x: boolean;
  y: boolean;
}

export interface ChartSettings {
  /** TensorBoard smoothing weight, 0..MAX_SMOOTHING. */
  smoothing: number;
  xAxis: XAxis;
  /** Log scales per panel; a panel not listed is linear on both axes. */
  log: Partial<Record<PanelId, LogScales>>;
  /** Runs drawn only as a legend entry, on every panel. */
  hiddenRuns: string[];
}

/** TensorBoard's default smoothing is 0.6. */
export const DEFAULT_CHART_SETTINGS: ChartSettings = { smoothing: 0.6, xAxis: 'step', log: {}, hiddenRuns: [] };

/** Rounds to the slider's 0.01 steps and keeps the weight in [0, MAX_SMOOTHING]. */
export function clampSmoothing(value: number): number {
  if (!Number.isFinite(value)) return DEFAULT_CHART_SETTINGS.smoothing;
  return Math.min(MAX_SMOOTHING, Math.max(0, Math.round(value * 100) / 100));
}

/** Settings from storage (anything): valid fields are kept, the rest take their defaults. */
export function sanitizeChartSettings(value: unknown): ChartSettings {
  const input = typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
  const settings: ChartSettings = { ...DEFAULT_CHART_SETTINGS, log: {}, hiddenRuns: [] };
  if (typeof input.smoothing === 'number') settings.smoothing = clampSmoothing(input.smoothing);
  if (X_AXES.some((axis) => axis.value === input.xAxis)) settings.xAxis = input.xAxis as XAxis;
  if (typeof input.log === 'object' && input.log !== null) {
    for (const [id, scales] of Object.entries(input.log as Record<string, unknown>)) {
      if (!(id in PANELS) || typeof scales !== 'object' || scales === null) continue;
      const { x, y } = scales as Record<string, unknown>;
      settings.log[id as PanelId] = { x: x === true, y: y === true };
    }
  }
  if (Array.isArray(input.hiddenRuns)) settings.hiddenRuns = [...new Set(input.hiddenRuns.filter((name): name is string => typeof name === 'string'))];
  return settings;
}

export function logScales(settings: Pick<ChartSettings, 'log'>, panel: PanelId): LogScales {
  return settings.log[panel] ?? { x: false, y: false };
}

/** The hidden runs after a legend click on `name`: hidden if shown, shown if hidden. */
export function toggledRuns(hidden: readonly string[], name: string): string[] {
  return hidden.includes(name) ? hidden.filter((n) => n !== name) : [...hidden, name];
}

/**
 * The hidden runs after a legend double click on `name` (Plotly's gesture): show only that
 * run, or, when it is already the only one shown, show every run again.
 */
export function isolatedRuns(hidden: readonly string[], name: string, all: readonly string[]): string[] {
  const others = all.filter((n) => n !== name);
  const alreadyIsolated = !hidden.includes(name) && others.every((n) => hidden.includes(n));
  return alreadyIsolated ? [] : others;
}

interface ChartSettingsStore extends ChartSettings {
  setSmoothing(value: number): void;
  setXAxis(axis: XAxis): void;
  setLog(panel: PanelId, axis: keyof LogScales, on: boolean): void;
  toggleRun(name: string): void;
  isolateRun(name: string, all: readonly string[]): void;
  setRunShown(name: string, shown: boolean): void;
}

export const CHART_SETTINGS_KEY = 'playground-chart-settings';

export const useChartSettings = create<ChartSettingsStore>()(
  persist(
    (set, get) => ({
      ...DEFAULT_CHART_SETTINGS,
      setSmoothing: (value) => set({ smoothing: clampSmoothing(value) }),
      setXAxis: (xAxis) => set({ xAxis }),
      setLog: (panel, axis, on) => set({ log: { ...get().log, [panel]: { ...logScales(get(), panel), [axis]: on } } }),
      toggleRun: (name) => set({ hiddenRuns: toggledRuns(get().hiddenRuns, name) }),
      isolateRun: (name, all) => set({ hiddenRuns: isolatedRuns(get().hiddenRuns, name, all) }),
      setRunShown: (name, shown) => {
        const hidden = get().hiddenRuns.filter((n) => n !== name);
        set({ hiddenRuns: shown ? hidden : [...hidden, name] });
      },
    }),
    {
      name: CHART_SETTINGS_KEY,
      version: 1,
      // Without localStorage (Node, or storage blocked) the settings live for the page only.
      storage: createJSONStorage(() => localStorage),
      partialize: ({ smoothing, xAxis, log, hiddenRuns }): ChartSettings => ({ smoothing, xAxis, log, hiddenRuns }),
      merge: (persisted, current) => ({ ...current, ...sanitizeChartSettings(persisted) }),
    },
  ),
);
