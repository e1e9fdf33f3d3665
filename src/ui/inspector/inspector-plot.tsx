// One Inspector plot on the page, drawn with the landscape's Plotly bundle (heatmaps and
// scatter; a chunk of its own, loaded the first time a plot mounts), at most once per frame.

import { loadLandscapePlotly } from '../landscape/use-plotly-figure';
import { usePlotlyFigure } from '../landscape/use-plotly-figure';
import type { InspectorPlot } from './inspector-figures';

/** The Inspector's Plotly: the landscape's bundle, loaded once for the page. */
export const loadInspectorPlotly = loadLandscapePlotly;

export function InspectorPlotView({ plot }: { plot: InspectorPlot }) {
  const { element, loadError } = usePlotlyFigure(plot, 'An inspector plot');

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
