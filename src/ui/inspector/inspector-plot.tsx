// One Inspector plot on the page, drawn with the landscape's Plotly bundle (heatmaps and
// scatter; a chunk of its own, loaded the first time a plot mounts), at most once per frame.

import { useEffect, useRef, useState } from 'react';
import type { Config } from 'plotly.js';
import { loadLandscapePlotly } from '../landscape/landscape-plot';
import type { InspectorPlot } from './inspector-figures';

type Plotly = Awaited<ReturnType<typeof loadLandscapePlotly>>;

const PLOT_CONFIG: Partial<Config> = { responsive: true, displaylogo: false, modeBarButtonsToRemove: ['lasso2d', 'select2d'] };

/** The Inspector's Plotly: the landscape's bundle, loaded once for the page. */
export const loadInspectorPlotly = loadLandscapePlotly;

export function InspectorPlotView({ plot }: { plot: InspectorPlot }) {
  const element = useRef<HTMLDivElement>(null);
  const [plotly, setPlotly] = useState<Plotly | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const pending = useRef<InspectorPlot | null>(null);
  const frame = useRef(0);

  useEffect(() => {
    let current = true;
    loadInspectorPlotly().then(
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
      plotly.react(target, next.data as never, next.layout, PLOT_CONFIG).catch((error: unknown) => console.error('An inspector plot failed to draw:', error));
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
      {loadError && (
        <p className="alert" role="alert">
          The inspector cannot draw: its plotting library did not load ({loadError}). Reload the page to try again.
        </p>
      )}
      <div
        ref={element}
        className="chart"
        style={{ height: plot.layout.height }}
        data-testid={`inspector-plot-${plot.id}`}
        role="img"
        aria-label={plot.description}
      />
    </div>
  );
}
