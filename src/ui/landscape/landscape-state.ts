// The landscape's part of the page state: the latest frame the worker sent, the settings the
// person chose on the panel (each sent to the worker), and how the panel draws the frame.
// Plain data and pure functions; the store (playground-state.ts) holds one LandscapeState.

import { landscapeSchema } from '../../engine/config/run-config';
import type { LandscapeFrame, LandscapeSettings } from '../../engine/landscape/landscape-frame';

/** weights plane: the true loss over the two weights, the seed's interpolation of the recorded points, or both side by side. */
export type SurfaceChoice = 'true' | 'interpolated' | 'both';

/** How the panel draws a frame; nothing here reaches the worker. */
export interface LandscapeDisplay {
  /** Colours (and the 3-D height) by log10 of the loss, labelled in loss units. */
  logColor: boolean;
  /** The surface in 3-D with the trajectories at their losses, instead of filled contours. */
  view3d: boolean;
  surface: SurfaceChoice;
}

export interface LandscapeState {
  /** Whether the session measures a landscape: its config has an enabled landscape section, or a frame came (or came back from the history). */
  enabled: boolean;
  /** The latest frame; each landscape event replaces it (frames are small: a grid and the snapshots' points). */
  frame: LandscapeFrame | null;
  /** The settings as the session started with them and the person changed them since; `visible` is the panel being open. */
  settings: LandscapeSettings;
  display: LandscapeDisplay;
  /** Waiting for the worker's landscape.safetensors. */
  exporting: boolean;
  /** The worker refused new settings or the export. */
  error: string | null;
}

export const DEFAULT_LANDSCAPE_DISPLAY: LandscapeDisplay = { logColor: false, view3d: false, surface: 'both' };

/** The name of the file the worker's centre and directions download as. */
export const LANDSCAPE_TENSORS_FILE = 'landscape.safetensors';

/**
 * The landscape of a run config (as setupToConfig writes it): whether it has an enabled
 * `landscape` section, and that section as panel settings. A config without one (or one the
 * schema refuses, which the worker reports when training starts) gives the schema's defaults.
 */
export function landscapeFromConfig(config: Record<string, unknown>, runNames: readonly string[]): Pick<LandscapeState, 'enabled' | 'settings'> {
  const parsed = landscapeSchema.safeParse(config.landscape ?? {});
  const section = parsed.success ? parsed.data : landscapeSchema.parse({});
  return {
    enabled: config.landscape !== undefined && parsed.success && section.enabled,
    settings: {
      plane: section.plane,
      centerRun: section.center_run ?? runNames[0] ?? '',
      center: section.center,
      ...(section.weights ? { weights: section.weights } : {}),
      seed: section.seed,
      grid: section.grid,
      range: section.range,
      evalSize: section.eval_size,
      freeze: section.freeze,
      visible: true,
    },
  };
}

/** The landscape of a session: the config's, before its first frame. */
export function initialLandscape(config: Record<string, unknown>, runNames: readonly string[], display: LandscapeDisplay): LandscapeState {
  return { ...landscapeFromConfig(config, runNames), frame: null, display, exporting: false, error: null };
}

/**
 * A frame that came back from the history, with the settings it was measured with as far as
 * the frame tells them. Without a frame there is nothing to show: the worker that would have
 * measured it went with the last page load.
 */
export function restoredLandscape(
  config: Record<string, unknown>,
  runNames: readonly string[],
  frame: LandscapeFrame | undefined,
  display: LandscapeDisplay,
): LandscapeState {
  const landscape = initialLandscape(config, runNames, display);
  if (!frame) return { ...landscape, enabled: false };
  return { ...landscape, enabled: true, frame, settings: { ...landscape.settings, plane: frame.plane, centerRun: frame.centerRun } };
}

/** The frame without the trajectory of a run that was reset (its surface stays: it does not depend on the run). */
export function withoutRun(frame: LandscapeFrame | null, run: string): LandscapeFrame | null {
  if (!frame || !frame.trajectories.some((point) => point.run === run)) return frame;
  return { ...frame, trajectories: frame.trajectories.filter((point) => point.run !== run) };
}
