// The landscape's Plotly: the core (scatter) with contour, heatmap, surface and scatter3d.
// Only the Landscape panel imports it, through a dynamic import (landscape-plot.tsx), so it
// is a chunk of its own that a page whose landscape nobody opened never loads; the loss
// charts keep the smaller basic bundle.

import './plotly-global';
import Plotly from 'plotly.js/lib/core';
import contour from 'plotly.js/lib/contour';
import heatmap from 'plotly.js/lib/heatmap';
import scatter3d from 'plotly.js/lib/scatter3d';
import surface from 'plotly.js/lib/surface';

Plotly.register([contour, heatmap, surface, scatter3d]);

export default Plotly;
