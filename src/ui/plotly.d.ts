declare module 'plotly.js/dist/plotly-basic.min.js' {
  import Plotly from 'plotly.js';
  export default Plotly;
}

// The pieces the landscape's own bundle is made of (src/ui/landscape/plotly-landscape.ts):
// Plotly's core (scatter included) and the trace modules registered into it.
declare module 'plotly.js/lib/core' {
  import Plotly from 'plotly.js';
  const core: typeof Plotly & { register(modules: PlotlyTraceModule[]): void };
  export default core;
}

/** A trace type's module, opaque outside Plotly. */
interface PlotlyTraceModule {
  readonly moduleType: string;
}

declare module 'plotly.js/lib/contour' {
  const contour: PlotlyTraceModule;
  export default contour;
}

declare module 'plotly.js/lib/heatmap' {
  const heatmap: PlotlyTraceModule;
  export default heatmap;
}

declare module 'plotly.js/lib/surface' {
  const surface: PlotlyTraceModule;
  export default surface;
}

declare module 'plotly.js/lib/scatter3d' {
  const scatter3d: PlotlyTraceModule;
  export default scatter3d;
}
