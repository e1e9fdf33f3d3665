// What the Kronecker-factor inspector measures and reports (docs/adafisher-inspector.md): plain,
// structured-cloneable data, posted by the worker to the page and written by the command line
// to inspect.json and factors.safetensors.

/** Which runs and layers are inspected: the page's Inspector panel, or a config's inspect section. */
export interface InspectSettings {
  /** Diagonal shares of every Linear and Conv2d layer, and AdaFisher's F̃ statistics, at every measurement. Off: nothing is measured or read back. */
  readonly enabled: boolean;
  /** Runs measured, by name; null: every run. */
  readonly runs: readonly string[] | null;
  /** Full factors H and S of these layers of these runs (each a normalised running average). */
  readonly full: readonly { readonly run: string; readonly layer: string }[];
  /** A measurement every this many steps (at steps that are multiples of it); null: an AdaFisher run's tcov, otherwise 100. */
  readonly every: number | null;
  /** The measurements whose full factors are read back (steps trained before each); null: every measurement. */
  readonly steps: readonly number[] | null;
}

export const INSPECT_OFF: InspectSettings = { enabled: false, runs: null, full: [], every: null, steps: null };

/** The measurement interval of a run that is not AdaFisher (AdaFisher's default tcov). */
export const DEFAULT_INSPECT_EVERY = 100;

/** A Linear or Conv2d layer as the inspector sees it: its factors' sides and the rows they sum over. */
export interface InspectableLayer {
  readonly layer: string;
  readonly kind: 'linear' | 'conv2d';
  /** H is hSize x hSize: in (Linear) or Cin*k*k (Conv2d), no bias column. */
  readonly hSize: number;
  /** S is sSize x sSize: out (Linear) or Cout (Conv2d). */
  readonly sSize: number;
  /** N, the rows both factors average over: B (or B*T) for Linear, B*oh*ow for Conv2d. */
  readonly rows: number;
}

/** ‖diag M‖² / ‖M‖_F² of one layer's two factors, as measured (M = XᵀX / N, before normalising). */
export interface LayerShares {
  readonly layer: string;
  readonly h: number;
  readonly s: number;
}

/** Min, median and max over a layer's entries of AdaFisher's F̃ = S_D ⊗ H_D + λ. */
export interface FisherStats {
  readonly layer: string;
  readonly min: number;
  readonly median: number;
  readonly max: number;
}

/** One full factor of one layer: the min-max-normalised running average the seed analyses. */
export interface FullFactor {
  readonly layer: string;
  readonly side: 'H' | 'S';
  /** The matrix is n x n. */
  readonly n: number;
  /** n*n entries, row-major. */
  readonly values: Float32Array;
}

/** Everything one measurement of one run reports. */
export interface InspectionRecord {
  readonly run: string;
  /** Steps trained before this measurement; the measurement reads the batch of step `step` + 1 (0: the first batch), as AdaFisher's step counter. */
  readonly step: number;
  /** Every Linear and Conv2d layer, in graph order. */
  readonly shares: readonly LayerShares[];
  /** AdaFisher runs: F̃ per layer after this step's measurement, and λ; null for other optimizers. */
  readonly fisher: { readonly damping: number; readonly layers: readonly FisherStats[] } | null;
  /** The inspected layers' full factors when this step is one of the settings' steps; empty otherwise. */
  readonly factors: readonly FullFactor[];
}
