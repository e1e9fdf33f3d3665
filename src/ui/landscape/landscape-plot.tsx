// One landscape plot on the page. The Plotly bundle with contour and surface traces is loaded
// the first time a plot mounts (a dynamic import: its own chunk), then each new figure is
// drawn at most once per animation frame.

import { useEffect, useRef, useState } from 'react';
import type { Config } from 'plotly.js';
import type { LandscapePlot } from './landscape-figure';

type LandscapePlotly = typeof import('./plotly-landscape').default;

let loading: Promise<LandscapePlotly> | null = null;

/** The landscape's Plotly, loaded once for the page (a failed load is tried again next time). */
export function loadLandscapePlotly(): Promise<LandscapePlotly> {
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

export function LandscapePlotView({ plot, height }: { plot: LandscapePlot; height: number }) {
  const element = useRef<HTMLDivElement>(null);
  const [plotly, setPlotly] = useState<LandscapePlotly | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const pending = useRef<LandscapePlot | null>(null);
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
    pending.current = plot;
    if (frame.current !== 0) return;
    frame.current = requestAnimationFrame(() => {
      frame.current = 0;
      const target = element.current;
      const next = pending.current;
      pending.current = null;
      if (!target || !next) return;
      plotly.react(target, next.data as never, next.layout, PLOT_CONFIG).catch((error: unknown) => console.error('The landscape failed to draw:', error));
    });
  }, [plotly, plot]);

  useEffect(() => {
    const target = element.current;
    return () => {
      cancelAnimationFrame(frame.current);
      frame.current = 0;
      if (target && plotly) plotly.purge(target);
    };
  }, [plotly]);

  return (
    <div style={{ minWidth: 0 }}>
      {!plotly && !loadError && <p className="muted">Loading the plotting library for landscapes…</p>}
      {loadError && (
        <p className="alert" role="alert">
          The landscape cannot be drawn: its plotting library did not load ({loadError}). Reload the page to try again.
        </p>
      )}
      <div ref={element} className="chart" style={{ height }} data-testid={`landscape-plot-${plot.id}`} role="img" aria-label={plot.description} />
    </div>
  );
}
