import { useEffect, useId, useMemo, useRef, type RefObject } from 'react';
import Plotly from 'plotly.js/dist/plotly-basic.min.js';
import type { Config, Layout, LegendClickEvent, PlotlyHTMLElement } from 'plotly.js';
import type { Task } from '../setup';
import { MAX_SMOOTHING, logScales, useChartSettings } from './chart-settings';
import { useChartTheme } from './chart-theme';
import {
  X_AXES,
  buildLayout,
  buildTraces,
  hasPoints,
  panelsFor,
  runColor,
  type ChartRun,
  type ChartTheme,
  type ChartTrace,
  type PanelSpec,
  type XAxis,
} from './series';

export interface MetricChartsProps {
  runs: readonly ChartRun[];
  task: Task;
  /** Steps in one pass over the training split: epochs become fractional (step / stepsPerEpoch). */
  stepsPerEpoch?: number;
}

/** Plotly's own delay between the clicks of a double click (its config's default). */
const DOUBLE_CLICK_DELAY = 300;

const PLOT_CONFIG: Partial<Config> = {
  responsive: true,
  displaylogo: false,
  doubleClickDelay: DOUBLE_CLICK_DELAY,
  modeBarButtonsToRemove: ['lasso2d', 'select2d'],
};

/** The run a legend item stands for: every trace carries its run's name as legend group. */
function legendRun(event: LegendClickEvent): string | undefined {
  const trace = event.data[event.curveNumber] as ChartTrace | undefined;
  return trace?.legendgroup;
}

interface LegendHandlers {
  click(run: string): void;
  doubleClick(run: string): void;
}

/**
 * Draws `traces` into `element` with Plotly.react, at most once per animation frame however
 * often they change (a burst of metrics draws once, with the latest data), and purges the
 * plot on unmount. Legend clicks go to `legend` instead of Plotly's own toggling.
 */
function usePlot(element: RefObject<HTMLDivElement | null>, traces: ChartTrace[], layout: Partial<Layout>, legend: LegendHandlers): void {
  const pending = useRef<{ traces: ChartTrace[]; layout: Partial<Layout> } | null>(null);
  const frame = useRef(0);
  const legendRef = useRef(legend);
  const listening = useRef<HTMLElement | null>(null);
  useEffect(() => {
    legendRef.current = legend;
  });
  useEffect(() => {
    pending.current = { traces, layout };
    if (frame.current !== 0) return;
    frame.current = requestAnimationFrame(() => {
      frame.current = 0;
      const target = element.current;
      const next = pending.current;
      pending.current = null;
      if (!target || !next) return;
      try {
        void Plotly.react(target, next.traces, next.layout, PLOT_CONFIG).catch((error: unknown) => console.error('A chart failed to draw:', error));
      } catch (error) {
        console.error('A chart failed to draw:', error);
        return;
      }
      // Plotly.react sets up the element's event emitter synchronously on the first draw.
      const plot = target as unknown as PlotlyHTMLElement;
      if (listening.current !== target && typeof plot.on === 'function') {
        listening.current = target;
        // Returning false stops Plotly toggling the trace itself: the run's visibility lives in
        // the chart settings, so one click hides the run on every panel.
        plot.on('plotly_legendclick', (event) => {
          const run = legendRun(event);
          if (run !== undefined) legendRef.current.click(run);
          return false;
        });
        plot.on('plotly_legenddoubleclick', (event) => {
          const run = legendRun(event);
          if (run !== undefined) legendRef.current.doubleClick(run);
          return false;
        });
      }
    });
  }, [element, traces, layout]);
  useEffect(() => {
    const target = element.current;
    return () => {
      cancelAnimationFrame(frame.current);
      frame.current = 0;
      listening.current = null;
      if (target) Plotly.purge(target);
    };
  }, [element]);
}

/**
 * Legend gestures as Plotly reads them: a click that is not followed by a second one within
 * the double-click delay toggles the run; a double click shows that run alone (or all again).
 * Plotly reports both clicks of a double click as clicks too, so a click waits out the delay.
 */
function useLegendHandlers(names: readonly string[]): LegendHandlers {
  const toggleRun = useChartSettings((s) => s.toggleRun);
  const isolateRun = useChartSettings((s) => s.isolateRun);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  useEffect(
    () => () => {
      if (timer.current !== null) clearTimeout(timer.current);
    },
    [],
  );
  return useMemo(
    () => ({
      click: (run) => {
        if (timer.current !== null) {
          clearTimeout(timer.current);
          timer.current = null;
          return;
        }
        timer.current = setTimeout(() => {
          timer.current = null;
          toggleRun(run);
        }, DOUBLE_CLICK_DELAY);
      },
      doubleClick: (run) => {
        if (timer.current !== null) clearTimeout(timer.current);
        timer.current = null;
        isolateRun(run, names);
      },
    }),
    [toggleRun, isolateRun, names],
  );
}

interface PanelProps {
  panel: PanelSpec;
  runs: readonly ChartRun[];
  names: readonly string[];
  axis: XAxis;
  smoothing: number;
  hidden: readonly string[];
  theme: ChartTheme;
  stepsPerEpoch?: number;
}

function MetricPanel({ panel, runs, names, axis, smoothing, hidden, theme, stepsPerEpoch }: PanelProps) {
  const element = useRef<HTMLDivElement>(null);
  const titleId = useId();
  // Booleans, not a fresh object, so the selectors give stable snapshots.
  const logX = useChartSettings((s) => logScales(s, panel.id).x);
  const logY = useChartSettings((s) => logScales(s, panel.id).y);
  const setLog = useChartSettings((s) => s.setLog);
  const traces = useMemo(() => buildTraces(panel, runs, { axis, smoothing, hidden, stepsPerEpoch }), [panel, runs, axis, smoothing, hidden, stepsPerEpoch]);
  const empty = !hasPoints(traces);
  const layout = useMemo(() => buildLayout(panel, { axis, logX, logY, empty, theme }), [panel, axis, logX, logY, empty, theme]);
  usePlot(element, traces, layout, useLegendHandlers(names));
  const xTitle = X_AXES.find((a) => a.value === axis)!.title;
  const title = panel.title.toLowerCase();
  return (
    <div role="group" aria-labelledby={titleId} style={{ minWidth: 0 }}>
      <div style={{ display: 'flex', flexWrap: 'wrap', alignItems: 'baseline', gap: '0.25rem 1rem' }}>
        <h3 id={titleId} style={{ margin: 0, fontSize: '1rem', marginRight: 'auto' }}>
          {panel.title}
        </h3>
        <span className="check">
          <label>
            <input type="checkbox" aria-label={`Log x (${title})`} checked={logX} onChange={(e) => setLog(panel.id, 'x', e.target.checked)} />
            Log x
          </label>
        </span>
        <span className="check">
          <label>
            <input type="checkbox" aria-label={`Log y (${title})`} checked={logY} onChange={(e) => setLog(panel.id, 'y', e.target.checked)} />
            Log y
          </label>
        </span>
      </div>
      <div
        ref={element}
        className="chart"
        style={{ height: 300 }}
        data-testid={`chart-${panel.id}`}
        role="img"
        aria-label={`${panel.title} of every run against the ${xTitle}${empty ? ', no points yet' : ''}`}
      />
    </div>
  );
}

/**
 * The live charts of a training session: one panel per metric of the task, with TensorBoard
 * smoothing, a choice of x axis, log scales per panel, and runs toggled on every panel at
 * once (legend click, or the checkboxes above the charts).
 */
export function MetricCharts({ runs, task, stepsPerEpoch }: MetricChartsProps) {
  const smoothing = useChartSettings((s) => s.smoothing);
  const axis = useChartSettings((s) => s.xAxis);
  const hidden = useChartSettings((s) => s.hiddenRuns);
  const { setSmoothing, setXAxis, setRunShown } = useChartSettings.getState();
  const theme = useChartTheme();
  const smoothingId = useId();
  const panels = useMemo(() => panelsFor(task), [task]);
  const namesKey = runs.map((run) => run.name).join('\n');
  const names = useMemo(() => (namesKey === '' ? [] : namesKey.split('\n')), [namesKey]);
  const colors = runs.map((run, index) => runColor(index, undefined, run.color));
  return (
    <div data-testid="metric-charts">
      <div className="row">
        <div style={{ display: 'flex', flexDirection: 'column', gap: '0.25rem' }}>
          <label htmlFor={smoothingId}>Smoothing</label>
          <span style={{ display: 'flex', alignItems: 'center', gap: '0.5rem' }}>
            <input
              id={smoothingId}
              type="range"
              min={0}
              max={MAX_SMOOTHING}
              step={0.01}
              value={smoothing}
              aria-valuetext={smoothing.toFixed(2)}
              onChange={(e) => setSmoothing(Number(e.target.value))}
            />
            <output htmlFor={smoothingId} style={{ fontVariantNumeric: 'tabular-nums', minWidth: '2.5em' }}>
              {smoothing.toFixed(2)}
            </output>
          </span>
        </div>
        <label>
          X axis
          <select value={axis} onChange={(e) => setXAxis(e.target.value as XAxis)}>
            {X_AXES.map((option) => (
              <option key={option.value} value={option.value}>
                {option.label}
              </option>
            ))}
          </select>
        </label>
        {names.length > 0 && (
          <fieldset className="row" style={{ margin: 0 }}>
            <legend>Runs shown</legend>
            {names.map((name, index) => (
              <span key={name} className="check">
                <label>
                  <input type="checkbox" checked={!hidden.includes(name)} onChange={(e) => setRunShown(name, e.target.checked)} />
                  <span aria-hidden="true" style={{ display: 'inline-block', width: '0.9em', height: '0.25em', borderRadius: 2, background: colors[index] }} />
                  {name}
                </label>
              </span>
            ))}
          </fieldset>
        )}
      </div>
      <div style={{ display: 'grid', gridTemplateColumns: 'repeat(auto-fit, minmax(min(100%, 28rem), 1fr))', gap: '1rem 1.5rem' }}>
        {panels.map((panel) => (
          <MetricPanel
            key={panel.id}
            panel={panel}
            runs={runs}
            names={names}
            axis={axis}
            smoothing={smoothing}
            hidden={hidden}
            theme={theme}
            stepsPerEpoch={stepsPerEpoch}
          />
        ))}
      </div>
    </div>
  );
}
