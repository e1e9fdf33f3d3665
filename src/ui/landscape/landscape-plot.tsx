// One landscape plot on the page. The Plotly bundle with contour and surface traces is loaded
// the first time a plot mounts (a dynamic import: its own chunk), then each new figure is
// drawn at most once per animation frame.

import type { LandscapePlot } from './landscape-figure';
import { usePlotlyFigure } from './use-plotly-figure';

export { loadLandscapePlotly } from './use-plotly-figure';

export function LandscapePlotView({ plot, height }: { plot: LandscapePlot; height: number }) {
  const { element, loaded, loadError } = usePlotlyFigure(plot, 'The landscape');

  return (
    <div style={{ minWidth: 0 }}>
      {!loaded && !loadError && <p className="muted">Loading the plotting library for landscapes…</p>}
      {loadError && (
        <p className="alert" role="alert">
          The landscape cannot be drawn: its plotting library did not load ({loadError}). Reload the page to try again.
        </p>
      )}
      <div ref={element} className="chart" style={{ height }} data-testid={`landscape-plot-${plot.id}`} role="img" aria-label={plot.description} />
    </div>
  );
}
