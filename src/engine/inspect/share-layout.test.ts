import { describe, expect, it } from 'vitest';
import { cnnSmall } from '../nn/presets';
import { inferShapes } from '../nn/shapes';
import type { Conv2dNode, LinearNode } from '../nn/graph';
import { factorGeometry } from './factor-geometry';
import { shareLayout } from './share-layout';

const ALIGNMENT = 256;

function cnnSmallGeometries(batch: number) {
  const graph = cnnSmall();
  const shapes = inferShapes(graph, batch);
  return graph.nodes.flatMap((node) =>
    node.op === 'linear' || node.op === 'conv2d' ? [factorGeometry(node as LinearNode | Conv2dNode, shapes.get(node.input)!)] : [],
  );
}

describe('share layout', () => {
  it("measures cnn-small's fc through its 64 x 64 row gram at batch 64, never 2048 x 2048", () => {
    const { groups, capacity } = shareLayout(cnnSmallGeometries(64), ALIGNMENT);
    expect(groups.length).toBe(1);
    const routes = groups[0].measurements.map((m) => `${m.layer}.${m.side} ${m.route} ${m.gramSide}`);
    expect(routes).toEqual(['conv1.H direct 27', 'conv1.S direct 16', 'conv2.H direct 144', 'conv2.S direct 32', 'fc.H dual 64', 'fc.S direct 10']);
    // 27² + 16² + 144² + 32² + 64² + 2048 + 10², each start aligned to 64 floats.
    expect(capacity).toBe(groups[0].size);
    expect(capacity).toBeLessThan(30_000);
    const fcH = groups[0].measurements[4];
    expect(fcH.diagonalRun).toEqual({ offset: fcH.diagonalOffset, count: 2048, stride: 1 });
    expect(fcH.totalRun).toEqual({ offset: fcH.gramOffset, count: 64 * 64, stride: 1 });
    for (const m of groups[0].measurements) expect(m.gramOffset % (ALIGNMENT / 4)).toBe(0);
  });

  it('forms the full 2048 x 2048 when the batch has more rows than fc has inputs', () => {
    const fc = shareLayout(cnnSmallGeometries(4096), ALIGNMENT)
      .groups.flatMap((g) => g.measurements)
      .find((m) => m.layer === 'fc' && m.side === 'H')!;
    expect([fc.route, fc.gramSide, fc.diagonalRun.stride]).toEqual(['direct', 2048, 2049]);
  });

  it('splits the layers into groups that fit a small budget, never splitting a layer, without overlaps', () => {
    const { groups, capacity } = shareLayout(cnnSmallGeometries(64), ALIGNMENT, 5000);
    // conv2 alone (144² + 32², aligned) is the largest layer, so it sets the capacity.
    expect(capacity).toBe(20736 + 1024);
    expect(groups.map((g) => [...new Set(g.measurements.map((m) => m.layer))])).toEqual([['conv1'], ['conv2'], ['fc']]);
    for (const group of groups) {
      expect(group.size).toBeLessThanOrEqual(capacity);
      const spans = group.measurements
        .flatMap((m) => [
          [m.gramOffset, m.gramOffset + m.gramSide ** 2],
          ...(m.diagonalOffset === null ? [] : [[m.diagonalOffset, m.diagonalOffset + m.diagonalLength]]),
        ])
        .sort((a, b) => a[0] - b[0]);
      for (let i = 1; i < spans.length; i++) expect(spans[i][0]).toBeGreaterThanOrEqual(spans[i - 1][1]);
      expect(spans.at(-1)![1]).toBeLessThanOrEqual(group.size);
    }
  });
});
