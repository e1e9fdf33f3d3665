import { describe, expect, it } from 'vitest';
import { RUN_COLORS } from '../charts/series';
import { bowlLoss, landscapeFixture } from '../testing/landscape-fixture';
import {
  escapeLabel,
  landscapePlots,
  runColors,
  shownSurfaces,
  trajectoriesByRun,
  type ContourTrace,
  type LandscapePlot,
  type Path3dTrace,
  type PathTrace,
  type SurfaceTrace,
} from './landscape-figure';
import { DEFAULT_LANDSCAPE_DISPLAY, type LandscapeDisplay } from './landscape-state';

const colors = { adafisher: '#000000', adam: 'cyan' };
const theme = { fg: '#111111', bg: '#ffffff', muted: '#666666', line: '#dddddd' };

function plots(display: Partial<LandscapeDisplay> = {}, frame = landscapeFixture()): LandscapePlot[] {
  return landscapePlots(frame, { display: { ...DEFAULT_LANDSCAPE_DISPLAY, ...display }, colors, theme });
}
const contour = (plot: LandscapePlot) => plot.data.find((trace): trace is ContourTrace => trace.type === 'contour')!;
const paths = (plot: LandscapePlot) => plot.data.filter((trace): trace is PathTrace => trace.type === 'scatter');

describe('filled contours', () => {
  it('draw the grid as a filled contour with a colour bar titled Loss, gaps filled while the grid fills', () => {
    const [plot] = plots({}, landscapeFixture({ filled: 7 }));
    expect(plot.view).toBe('2d');
    const trace = contour(plot);
    expect(trace.x).toEqual([-1.5, -0.75, 0, 0.75, 1.5]);
    expect(trace.z[0][0]).toBe(bowlLoss(-1.5, -1.5));
    // Row-major filling: row 1 has its first two points, the rest of the grid is null.
    expect(trace.z[1].map((value) => value !== null)).toEqual([true, true, false, false, false]);
    expect(trace.connectgaps).toBe(true);
    expect(trace.contours.coloring).toBe('fill');
    expect(trace.colorbar.title.text).toBe('Loss');
    expect(trace.colorbar.tickvals).toBeUndefined();
    expect(trace.text[4][4]).toBe('not measured yet');
    expect(trace.hovertemplate).toContain('PC1 (82.1 %) %{x:.4g}');
  });

  it('plot log10 of the loss on a log colour scale, with tick labels in loss units', () => {
    const [plot] = plots({ logColor: true });
    const trace = contour(plot);
    // bowlLoss(0, 0) = 0.4 at the centre of the grid.
    expect(trace.z[2][2]).toBeCloseTo(Math.log10(0.4), 12);
    expect(trace.zmin).toBeCloseTo(Math.log10(0.4), 12);
    // The corners: 0.4 + 2.25 + 4.5 = 7.15.
    expect(trace.zmax).toBeCloseTo(Math.log10(7.15), 12);
    expect(trace.colorbar.ticktext).toEqual(['0.5', '1', '2', '5']);
    expect(trace.colorbar.tickvals!.map((value) => 10 ** value)).toEqual([0.5, 1, 2, 5].map((value) => expect.closeTo(value, 12)));
    // The hover label still says the loss, not its logarithm.
    expect(trace.text[2][2]).toBe('0.4');
  });

  it('say the grid is being measured while no point is', () => {
    const [plot] = plots({}, landscapeFixture({ filled: 0 }));
    expect(plot.layout.annotations).toEqual([expect.objectContaining({ text: 'measuring the first grid points…' })]);
    expect(plots()[0].layout.annotations).toEqual([]);
  });

  it('take the axis titles from the frame', () => {
    const [plot] = plots();
    expect(plot.layout.xaxis!.title).toEqual({ text: 'PC1 (82.1 %)' });
    expect(plot.layout.yaxis!.title).toEqual({ text: 'PC2 (9.3 %)' });
    expect(plot.title).toBe('True loss on the plane through adafisher, step 30');
  });
});

describe('trajectories', () => {
  it('are one line per run in its colour, in order of step, with triangles along the travel and a star at the start', () => {
    const frame = landscapeFixture();
    // Snapshots may arrive in any order.
    frame.trajectories.reverse();
    const [plot] = plots({}, frame);
    const [adafisher, adam] = paths(plot);
    expect(paths(plot)).toHaveLength(2);
    expect(adafisher.name).toBe('adafisher');
    expect(adafisher.line.color).toBe('#000000');
    expect(adam.marker.color).toBe('cyan');
    expect(adafisher.x).toEqual([1, 0.75, 0.5, 0.25]);
    expect(adafisher.y).toEqual([1, 0.85, 0.7, 0.55]);
    expect(adafisher.marker.symbol).toEqual(['star', 'triangle-up', 'triangle-up', 'triangle-up']);
    expect(adafisher.marker.angleref).toBe('previous');
    expect(adafisher.marker.size[0]).toBeGreaterThan(adafisher.marker.size[1]);
  });

  it('show run, step, both losses and the coordinates on hover', () => {
    const [plot] = plots();
    const [adafisher] = paths(plot);
    expect(adafisher.hovertemplate).toBe('%{text}<extra></extra>');
    expect(adafisher.text[0]).toBe('<b>adafisher</b>, step 0 (start)<br>train loss –, eval loss 3.4<br>PC1 (82.1 %) 1, PC2 (9.3 %) 1');
    // Step 10: (0.75, 0.85), eval loss 0.4 + 0.5625 + 1.445 = 2.4075.
    expect(adafisher.text[1]).toBe('<b>adafisher</b>, step 10<br>train loss 2.46, eval loss 2.41<br>PC1 (82.1 %) 0.75, PC2 (9.3 %) 0.85');
  });

  it('take the palette by index for runs without a colour of their own', () => {
    expect(runColors([{ name: 'a' }, { name: 'b', color: 'black' }, { name: 'c' }])).toEqual({ a: RUN_COLORS[0], b: 'black', c: RUN_COLORS[2] });
  });

  it('escape markup in run and parameter names', () => {
    expect(escapeLabel('a<b>&c')).toBe('a&lt;b&gt;&amp;c');
    const frame = landscapeFixture({ runs: ['<i>x</i>', 'y'] });
    expect(paths(plots({}, frame)[0])[0].text[0]).toContain('<b>&lt;i&gt;x&lt;/i&gt;</b>');
  });

  it('group the points by run, runs in order of first appearance', () => {
    const frame = landscapeFixture();
    expect([...trajectoriesByRun(frame.trajectories).keys()]).toEqual(['adafisher', 'adam']);
  });
});

describe('the 3-D view', () => {
  it('draws a surface and each trajectory at its eval loss', () => {
    const frame = landscapeFixture();
    // A snapshot not measured yet has no height: it is left out of the 3-D path.
    frame.trajectories[3] = { ...frame.trajectories[3], eval_loss: null };
    const [plot] = plots({ view3d: true }, frame);
    expect(plot.view).toBe('3d');
    const surface = plot.data.find((trace): trace is SurfaceTrace => trace.type === 'surface')!;
    expect(surface.colorbar.title.text).toBe('Loss');
    expect(surface.connectgaps).toBe(true);
    expect(surface.z[0][0]).toBe(bowlLoss(-1.5, -1.5));
    const lines = plot.data.filter((trace): trace is Path3dTrace => trace.type === 'scatter3d');
    expect(lines.map((line) => line.name)).toEqual(['adafisher', 'adam']);
    expect(lines[0].z).toEqual([bowlLoss(1, 1), bowlLoss(0.75, 0.85), bowlLoss(0.5, 0.7)]);
    expect(lines[0].marker.symbol).toEqual(['diamond', 'circle', 'circle']);
    expect(lines[1].z).toHaveLength(4);
    expect(plot.layout.scene!.zaxis!.title).toEqual({ text: 'loss' });
  });

  it('puts heights on the log scale too, labelled in loss units', () => {
    const [plot] = plots({ view3d: true, logColor: true });
    const line = plot.data.find((trace): trace is Path3dTrace => trace.type === 'scatter3d')!;
    expect(line.z[0]).toBeCloseTo(Math.log10(bowlLoss(1, 1)), 12);
    expect(plot.layout.scene!.zaxis!.ticktext).toEqual(['0.5', '1', '2', '5']);
  });
});

describe('the weights plane', () => {
  const frame = landscapeFixture({ plane: 'weights' });

  it("shows the true loss and the seed's interpolation side by side, on one colour scale", () => {
    expect(shownSurfaces(frame, DEFAULT_LANDSCAPE_DISPLAY)).toEqual(['true', 'interpolated']);
    const [truth, seed] = plots({}, frame);
    expect(truth.id).toBe('true');
    expect(seed.id).toBe('interpolated');
    expect(seed.title).toBe("The seed's picture: the recorded losses interpolated (linear on a Delaunay triangulation)");
    expect(truth.title).toBe('True loss over the two weights, the others at adafisher, step 30');
    const [a, b] = [contour(truth), contour(seed)];
    expect([a.zmin, a.zmax]).toEqual([b.zmin, b.zmax]);
    // The interpolation's maximum (7.15 + 0.05 at the corner) is above the true surface's.
    expect(a.zmax).toBeCloseTo(7.2, 12);
    // Outside the recorded points' hull the interpolation stays blank.
    expect(b.connectgaps).toBe(false);
    expect(paths(seed)).toHaveLength(2);
  });

  it('shows one surface when asked, and only the true one on other planes', () => {
    expect(plots({ surface: 'interpolated' }, frame).map((plot) => plot.id)).toEqual(['interpolated']);
    expect(plots({ surface: 'true' }, frame).map((plot) => plot.id)).toEqual(['true']);
    expect(plots({ surface: 'both' }).map((plot) => plot.id)).toEqual(['true']);
  });

  it('puts the 3-D interpolation at the losses the runs recorded while training', () => {
    const [, seed] = plots({ view3d: true }, frame);
    const line = seed.data.find((trace): trace is Path3dTrace => trace.type === 'scatter3d')!;
    // The start has no recorded training loss: the seed's first point is after the first epoch.
    expect(line.z).toEqual([bowlLoss(0.75, 0.85) + 0.05, bowlLoss(0.5, 0.7) + 0.05, bowlLoss(0.25, 0.55) + 0.05]);
    expect(seed.layout.scene!.zaxis!.title).toEqual({ text: 'recorded loss' });
  });
});

describe('layout', () => {
  it('keeps zoom across frames of the same plane and view, and starts afresh for a new one', () => {
    const first = plots()[0].layout.uirevision;
    expect(plots({}, landscapeFixture({ id: 2, filled: 3 }))[0].layout.uirevision).toBe(first);
    expect(plots({ logColor: true })[0].layout.uirevision).not.toBe(first);
    expect(plots({}, landscapeFixture({ plane: 'random' }))[0].layout.uirevision).not.toBe(first);
  });

  it('describes the plot in words', () => {
    expect(plots()[0].description).toBe(
      'True loss on the plane through adafisher, step 30: filled contours over PC1 (82.1 %) and PC2 (9.3 %), with 2 trajectories',
    );
  });
});
