// Draws a figure into an element with the landscape's Plotly bundle (loaded the first time a
// plot mounts), at most once per animation frame however often the figure changes, and purges
// the plot when the element goes. The landscape's plots and the Inspector's share it.

import { useEffect, useRef, useState, type RefObject } from 'react';
import type { Config, Layout } from 'plotly.js';

type Plotly = typeof import('./plotly-landscape').default;

let loading: Promise<Plotly> | null = null;

/** The landscape's Plotly, loaded once for the page (a failed load is tried again next time). */
export function loadLandscapePlotly(): Promise<Plotly> {
  loading ??= import('./plotly-landscape').then(
    (module) => module.default,
    (error: unknown) => {
      loading = null;
      throw error;
    },
  );
  return loading;
}

const PLOT_CONFIG: Partial<Config> = { responsive: true, displaylogo: false, modeBarButtonsToRemove: ['lasso2d', 'select2d'] };

export interface PlotlyFigure {
  readonly data: readonly unknown[];
  readonly layout: Partial<Layout>;
}

/** `failure` names what failed to draw in the console's message. */
export function usePlotlyFigure(
  figure: PlotlyFigure,
  failure: string,
): { element: RefObject<HTMLDivElement | null>; loaded: boolean; loadError: string | null } {
  const element = useRef<HTMLDivElement>(null);
  const [plotly, setPlotly] = useState<Plotly | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const pending = useRef<PlotlyFigure | null>(null);
  const frame = useRef(0);

  useEffect(() => {
    let current = true;
    loadLandscapePlotly().then(
      (loaded) => current && setPlotly(() => loaded),
      (error: unknown) => current && setLoadError(error instanceof Error ? error.message : String(error)),
    );
    return () => {
      current = false;
    };
  }, []);

  useEffect(() => {
    if (!plotly) return;
    pending.current = figure;
    if (frame.current !== 0) return;
    frame.current = requestAnimationFrame(() => {
      frame.current = 0;
      const target = element.current;
      const next = pending.current;
      pending.current = null;
      if (!target || !next) return;
      plotly.react(target, next.data as never, next.layout, PLOT_CONFIG).catch((error: unknown) => console.error(`${failure} failed to draw:`, error));
    });
  }, [plotly, figure, failure]);

  useEffect(() => {
    const target = element.current;
    return () => {
      cancelAnimationFrame(frame.current);
      frame.current = 0;
      if (target && plotly) plotly.purge(target);
    };
  }, [plotly]);

  return { element, loaded: plotly !== null, loadError };
}
