// What the landscape reports: plain, structured-cloneable data, posted by the worker to the
// page (the Landscape panel) and written by the command line (trajectories.csv, landscape.json).

export type PlaneKind = 'pca' | 'random' | 'weights';

/** One snapshot of one run, placed on the frame's plane. */
export interface TrajectoryPoint {
  run: string;
  /** Optimizer steps the run had taken when its weights were copied (0: the shared start). */
  step: number;
  /** Coordinates on the plane: least-squares projection of θ − centre onto the two directions (weights: the two weights). */
  x: number;
  y: number;
  /** Mean training loss of the minibatches since the previous snapshot (null at step 0). */
  train_loss: number | null;
  /** Loss of the snapshot's weights on the evaluation set (null until measured). */
  eval_loss: number | null;
  /** Euclidean distance of θ from the plane: ‖θ − centre − (x·d_x + y·d_y)‖. */
  off_plane: number;
  /** The surface's value (bilinear in the grid) under (x, y); null until the cells around it are measured. */
  surface_loss: number | null;
}

/** How the grid and the evaluation set were sized, and why. */
export interface LandscapeChoice {
  grid: number;
  evalSize: number;
  /** One line for the panel, e.g. "21 x 21 at 128 examples: one forward takes about 0.31 s here". */
  reason: string;
}

export interface SnapshotBudget {
  /** GPU bytes all snapshots may take. */
  budgetBytes: number;
  runs: { run: string; kept: number; capacity: number; every: number }[];
}

export interface LandscapeFrame {
  /** Increases with every new plane or grid (a re-fit, new settings); a frame's grid fills in place. */
  id: number;
  plane: PlaneKind;
  /** The run whose weights centre the plane, and which of its weights (e.g. "adam, step 120", "the shared start"). */
  centerRun: string;
  centerLabel: string;
  /** Axis titles, e.g. "PC1 (82.1 %)" or "fc1.weight[0, 0]". */
  axisLabels: [string, string];
  /** pca: each axis's share of the variance of all snapshot rows; null for the other planes. */
  explainedVariance: [number, number] | null;
  /** Grid coordinates along x (α) and y (β). */
  alphas: number[];
  betas: number[];
  /** losses[j][i] = L(centre + α_i d_x + β_j d_y) on the evaluation set; null where not yet measured. */
  losses: (number | null)[][];
  /** Grid points measured so far, of alphas.length * betas.length. */
  filled: number;
  choice: LandscapeChoice;
  budget: SnapshotBudget;
  trajectories: TrajectoryPoint[];
  /** How well the plane represents the trajectories: mean off-plane distance relative to ‖θ − centre‖, and mean |eval_loss − surface_loss|. */
  fit: { relativeOffPlane: number | null; meanGap: number | null };
  /** No further frames will come (training is over and this grid is complete, or the landscape stopped). */
  settled: boolean;
  /** weights plane: the recorded (x, y, train_loss) points of all runs interpolated over their convex hull (the seed's picture). */
  interpolated?: { method: string; alphas: number[]; betas: number[]; losses: (number | null)[][] };
}

/** What a person can change on the page while runs train; each change starts a new frame. */
export interface LandscapeSettings {
  plane: PlaneKind;
  centerRun: string;
  center: 'current' | 'start';
  weights?: [string, string];
  seed: number;
  grid: number | 'auto';
  range: 'auto' | { x: [number, number]; y: [number, number] };
  evalSize: number | 'auto';
  freeze: boolean;
  /** Whether anyone is looking: a closed panel costs no grid evaluations (snapshots continue). */
  visible: boolean;
}
