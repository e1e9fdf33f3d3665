import { describe, expect, it } from 'vitest';
import { landscapeFixture } from '../testing/landscape-fixture';
import { axesText, budgetText, choiceText, fitText, progressText, statusText } from './landscape-text';

describe('what the panel says about a frame', () => {
  it('counts the grid points measured', () => {
    expect(progressText(landscapeFixture({ grid: 21, filled: 120 }))).toBe('120 of 441 grid points measured.');
    expect(progressText(landscapeFixture({ grid: 5 }))).toBe('All 25 grid points measured.');
    expect(progressText({ ...landscapeFixture(), alphas: [], betas: [], losses: [], filled: 0 })).toBe('Fitting the plane; the grid comes next.');
  });

  it('says what grid and evaluation set were chosen, and why', () => {
    expect(choiceText(landscapeFixture({ grid: 21 }))).toBe(
      'Grid 21 x 21, the loss of each point on 128 training examples (21 x 21 at 128 examples: one forward takes about 0.31 s here).',
    );
  });

  it("gives each principal axis's share of the variance, and what the other planes' axes are", () => {
    expect(axesText(landscapeFixture())).toBe(
      "The axes are the two directions in which the runs' snapshots vary most: the first holds 82.1 % of their variance, the second 9.3 %, " +
        'so the plane shows 91.4 % of how the weights moved. Centre: adafisher, step 30.',
    );
    expect(axesText(landscapeFixture({ plane: 'weights' }))).toBe('The axes are the two weights themselves; every other weight is held at adafisher, step 30.');
    expect(axesText(landscapeFixture({ plane: 'random' }))).toMatch(/two random directions, each filter scaled/);
  });

  it('names the snapshot budget and what each run keeps', () => {
    expect(budgetText(landscapeFixture())).toBe(
      'Snapshots take at most 64 MiB of GPU memory: adafisher keeps 4 of up to 40, one every 10 steps; adam keeps 4 of up to 40, one every 10 steps.',
    );
  });

  it('judges the distance off the plane and the loss gap in words', () => {
    const frame = landscapeFixture();
    // The fixture's surface spans 0.4 .. 7.15; a mean gap of 0.01 is 0.15 % of it.
    expect(fitText(frame)).toEqual([
      'On average a snapshot lies 12.0 % of its distance from the centre off the plane: the paths drawn are shadows of paths that also move in directions the picture does not show.',
      "A snapshot's own loss and the surface under it differ by 0.01 on average (0.1 % of the surface's range): the colour under a path is the loss the run had there.",
    ]);
    const close = fitText({ ...frame, fit: { relativeOffPlane: 0.05, meanGap: 1 } });
    expect(close[0]).toMatch(/5\.0 % .*: the paths drawn are close to the real ones\.$/);
    expect(close[1]).toMatch(/14\.8 % of the surface's range\): the colour under a path is not quite the loss the run had/);
    expect(fitText({ ...frame, fit: { relativeOffPlane: 0.8, meanGap: null } })).toEqual([
      expect.stringMatching(/most of the runs’ movement is in directions this picture does not show/),
      expect.stringMatching(/known once the grid around it is measured/),
    ]);
  });

  it('says whether more frames will come', () => {
    expect(statusText(landscapeFixture({ settled: true }), true)).toBe('Final: no further updates.');
    expect(statusText(landscapeFixture(), true)).toBe('Updating as the runs train.');
    expect(statusText(landscapeFixture(), false)).toMatch(/reloaded before this landscape was complete/);
  });
});
