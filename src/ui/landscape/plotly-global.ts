// Plotly's 3-D traces come with libraries written for Node bundlers that read `global`; a
// browser has only globalThis. Imported before Plotly (plotly-landscape.ts), so it is set first.

const scope = globalThis as typeof globalThis & { global?: typeof globalThis };
scope.global ??= globalThis;
