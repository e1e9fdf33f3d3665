// The Inspector's part of the page state (docs/adafisher-inspector.md): what each measurement
// of each run reported (diagonal shares and F̃, small), the full factors of the inspected layer
// within a memory budget, the analyses of the steps that were shown (with their matrices in
// blocks, so the history can show them without the worker), the panel's choices and the
// worker's refusals. Plain data and pure functions; the store (playground-state.ts) holds one.

import { INSPECT_OFF, type FisherStats, type InspectionRecord, type InspectSettings, type LayerShares } from '../../engine/inspect/inspect-types';
import type { FactorAnalysis } from '../../engine/inspect/analysis/factor-analysis-types';
import type { BlockImage } from './downsample';

export type FactorSide = 'H' | 'S';
export const FACTOR_SIDES: readonly FactorSide[] = ['H', 'S'];

/** What one measurement of one run reported besides its full factors. */
export interface InspectionPoint {
  readonly step: number;
  readonly shares: readonly LayerShares[];
  readonly fisher: { readonly damping: number; readonly layers: readonly FisherStats[] } | null;
}

/** Names one matrix: a factor's side of a layer of a run at a measurement. */
export interface FactorKey {
  readonly run: string;
  readonly layer: string;
  readonly side: FactorSide;
  readonly step: number;
}

/** A full n x n matrix kept in the page: a factor as measured, or the frequency field of its analysis. */
export interface FullMatrix extends FactorKey {
  readonly kind: 'factor' | 'frequency';
  readonly n: number;
  readonly values: Float32Array;
}

/** An analysis as the page keeps it: the worker's numbers, the factor and its frequency field in blocks. */
export interface AnalysedFactor extends FactorKey {
  readonly analysis: Omit<FactorAnalysis, 'frequency'>;
  readonly heatmap: BlockImage;
  readonly frequency: BlockImage;
}

/** What the panel shows: the run and layer (null: the first of each), and up to MAX_SHOWN_STEPS steps (null: the first and the latest measured). */
export interface InspectorSelection {
  readonly run: string | null;
  readonly layer: string | null;
  readonly steps: readonly number[] | null;
}

export interface InspectorState {
  /** The panel is open: the worker measures (every run's shares and F̃, the selected layer's full factors). */
  open: boolean;
  selection: InspectorSelection;
  /** Every measurement by run, in step order. */
  series: Record<string, InspectionPoint[]>;
  /** Full matrices, oldest first, within INSPECTOR_MEMORY_BUDGET. */
  full: FullMatrix[];
  /** Analyses, oldest first, within INSPECTOR_ANALYSES_BUDGET. */
  analyses: AnalysedFactor[];
  /** The worker's last refusal of the inspector's settings (training went on). */
  refusal: string | null;
}

export const MAX_SHOWN_STEPS = 3;
const MIB = 2 ** 20;
/** Full matrices (measured factors and full frequency fields) kept in the page: the newest that fit. */
export const INSPECTOR_MEMORY_BUDGET = 64 * MIB;
/** Analyses kept in the page and the history (each at most about 0.6 MiB: two 256 x 256 pictures and six n-vectors). */
export const INSPECTOR_ANALYSES_BUDGET = 16 * MIB;
/** Full factors the history keeps with the session: the newest measurements that fit (cnn-small's fc, H 2048 x 2048 and S 10 x 10, is 16 MiB). */
export const INSPECTOR_HISTORY_BUDGET = 32 * MIB;

export const EMPTY_INSPECTOR: InspectorState = {
  open: false,
  selection: { run: null, layer: null, steps: null },
  series: {},
  full: [],
  analyses: [],
  refusal: null,
};

export const sameKey = (a: FactorKey, b: FactorKey): boolean => a.run === b.run && a.layer === b.layer && a.side === b.side && a.step === b.step;
export const keyText = (key: FactorKey): string => `${key.run}/${key.layer}/${key.side}/${key.step}`;

export function analysisBytes(entry: AnalysedFactor): number {
  const { gershgorin, eigenvalues, perturbation } = entry.analysis;
  const vectors = gershgorin.centers.length + gershgorin.radii.length + eigenvalues.re.length + eigenvalues.im.length;
  return entry.heatmap.values.byteLength + entry.frequency.values.byteLength + 8 * (vectors + perturbation.clean.length + perturbation.noisy.length);
}

/**
 * The newest items whose bytes add up to at most `budget`, oldest first. `keepNewest`: the newest
 * stays however large (the page must hold a factor to analyse it); the history keeps strictly within.
 */
export function newestWithin<T>(items: readonly T[], budget: number, bytes: (item: T) => number, keepNewest = true): T[] {
  const kept: T[] = [];
  let total = 0;
  for (let i = items.length - 1; i >= 0; i--) {
    total += bytes(items[i]);
    if (total > budget && (kept.length > 0 || !keepNewest)) break;
    kept.push(items[i]);
  }
  return kept.reverse();
}

/** The state after a measurement: its point in the run's series, its full factors kept (an older matrix of the same key replaced). */
export function withRecord(state: InspectorState, record: InspectionRecord): InspectorState {
  const point: InspectionPoint = { step: record.step, shares: record.shares, fisher: record.fisher };
  const previous = (state.series[record.run] ?? []).filter((candidate) => candidate.step !== record.step);
  const series = { ...state.series, [record.run]: [...previous, point].sort((a, b) => a.step - b.step) };
  const factors: FullMatrix[] = record.factors.map((factor) => ({
    run: record.run,
    layer: factor.layer,
    side: factor.side,
    step: record.step,
    kind: 'factor',
    n: factor.n,
    values: factor.values,
  }));
  return { ...state, series, full: withFull(state.full, factors) };
}

/**
 * The newest whole measurements (a layer's H and S at a step, of one kind) within `budget`,
 * in their order: a budget never keeps one side of a measurement without the other.
 */
export function newestMeasurementsWithin(full: readonly FullMatrix[], budget: number, keepNewest = true): FullMatrix[] {
  const group = (matrix: FullMatrix) => `${matrix.run}/${matrix.layer}/${matrix.step}/${matrix.kind}`;
  const groups = new Map<string, FullMatrix[]>();
  for (const matrix of full) groups.set(group(matrix), [...(groups.get(group(matrix)) ?? []), matrix]);
  // A group's place is its newest matrix's: order the groups by it.
  const ordered = [...groups.values()].sort((a, b) => full.indexOf(a.at(-1)!) - full.indexOf(b.at(-1)!));
  const bytes = (matrices: FullMatrix[]) => matrices.reduce((sum, matrix) => sum + matrix.values.byteLength, 0);
  const kept = new Set(newestWithin(ordered, budget, bytes, keepNewest).flat());
  return full.filter((matrix) => kept.has(matrix));
}

/** The full matrices with new ones added (replacing the same key and kind), trimmed to the memory budget. */
export function withFull(full: readonly FullMatrix[], added: readonly FullMatrix[]): FullMatrix[] {
  const rest = full.filter((matrix) => !added.some((next) => next.kind === matrix.kind && sameKey(next, matrix)));
  return newestMeasurementsWithin([...rest, ...added], INSPECTOR_MEMORY_BUDGET);
}

/** The state with an analysis kept (and, when given, its full frequency field), within the budgets. */
export function withAnalysis(state: InspectorState, analysed: AnalysedFactor, frequency?: FullMatrix): InspectorState {
  const rest = state.analyses.filter((entry) => !sameKey(entry, analysed));
  return {
    ...state,
    analyses: newestWithin([...rest, analysed], INSPECTOR_ANALYSES_BUDGET, analysisBytes),
    full: frequency ? withFull(state.full, [frequency]) : state.full,
  };
}

export function findFull(state: Pick<InspectorState, 'full'>, key: FactorKey, kind: FullMatrix['kind'] = 'factor'): FullMatrix | undefined {
  return state.full.find((matrix) => matrix.kind === kind && sameKey(matrix, key));
}

export function findAnalysis(state: Pick<InspectorState, 'analyses'>, key: FactorKey): AnalysedFactor | undefined {
  return state.analyses.find((entry) => sameKey(entry, key));
}

/** The steps of a run's layer that can be shown: both factors measured in full (or analysed), ascending. */
export function viewableSteps(state: Pick<InspectorState, 'full' | 'analyses'>, run: string, layer: string): number[] {
  const has = (side: FactorSide, step: number) => findAnalysis(state, { run, layer, side, step }) || findFull(state, { run, layer, side, step });
  const steps = new Set<number>();
  for (const entry of [...state.full, ...state.analyses]) if (entry.run === run && entry.layer === layer) steps.add(entry.step);
  return [...steps].filter((step) => FACTOR_SIDES.every((side) => has(side, step))).sort((a, b) => a - b);
}

/** The steps shown: the chosen ones that can be, else the first and the latest (as the seed's figure, an early and a late step). */
export function shownSteps(chosen: readonly number[] | null, viewable: readonly number[]): number[] {
  if (chosen) {
    const kept = chosen.filter((step) => viewable.includes(step)).slice(0, MAX_SHOWN_STEPS);
    if (kept.length > 0) return [...kept].sort((a, b) => a - b);
  }
  if (viewable.length === 0) return [];
  return viewable.length === 1 ? [viewable[0]] : [viewable[0], viewable[viewable.length - 1]];
}

/** The steps with a step added or removed; at most MAX_SHOWN_STEPS (the oldest choice goes) and never none. */
export function toggledStep(shown: readonly number[], step: number): number[] {
  if (shown.includes(step)) return shown.length > 1 ? shown.filter((candidate) => candidate !== step) : [...shown];
  return [...shown, step].slice(-MAX_SHOWN_STEPS).sort((a, b) => a - b);
}

/** What the worker is told while the panel is open: every run's shares and F̃, the selected layer's full factors at every measurement. */
export function inspectSettings(run: string | null, layer: string | null): InspectSettings {
  return { enabled: true, runs: null, full: run && layer ? [{ run, layer }] : [], every: null, steps: null };
}

export { INSPECT_OFF };

/** The inspector of a new session: its choices of panel kept (the run and layer when the new session has them), its data gone. */
export function inspectorForSession(previous: InspectorState, runNames: readonly string[], layerNames: readonly string[], open: boolean): InspectorState {
  const run = previous.selection.run && runNames.includes(previous.selection.run) ? previous.selection.run : null;
  const layer = previous.selection.layer && layerNames.includes(previous.selection.layer) ? previous.selection.layer : null;
  return { ...EMPTY_INSPECTOR, open, selection: { run, layer, steps: null } };
}

/** The inspector without a run that was reset. */
export function withoutInspectedRun(state: InspectorState, run: string): InspectorState {
  return {
    ...state,
    series: Object.fromEntries(Object.entries(state.series).filter(([name]) => name !== run)),
    full: state.full.filter((matrix) => matrix.run !== run),
    analyses: state.analyses.filter((entry) => entry.run !== run),
    selection: state.selection.run === run ? { ...state.selection, run: null, steps: null } : state.selection,
  };
}

/** What the history keeps: the series and analyses, and the newest full factors within INSPECTOR_HISTORY_BUDGET (frequency fields are in the analyses' blocks). */
export interface SavedInspection {
  series: Record<string, InspectionPoint[]>;
  analyses: AnalysedFactor[];
  full: FullMatrix[];
}

export function inspectionToSave(state: InspectorState, { withFactors = true }: { withFactors?: boolean } = {}): SavedInspection | undefined {
  if (Object.keys(state.series).length === 0 && state.analyses.length === 0) return undefined;
  if (!withFactors) return { series: state.series, analyses: state.analyses, full: [] };
  const factors = state.full.filter((matrix) => matrix.kind === 'factor');
  return { series: state.series, analyses: state.analyses, full: newestMeasurementsWithin(factors, INSPECTOR_HISTORY_BUDGET, false) };
}

/** The inspector of a session from the history: closed, with what it kept. */
export function restoredInspector(saved: SavedInspection | undefined): InspectorState {
  if (!saved) return EMPTY_INSPECTOR;
  return { ...EMPTY_INSPECTOR, series: saved.series, analyses: saved.analyses, full: saved.full };
}
