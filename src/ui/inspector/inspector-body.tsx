// The open Inspector panel: choose run, layer and steps; the seed's four views of H and of S at
// each step shown (analysed in the analysis worker, float64); each layer's diagonal share and
// F̃ over steps; PNG and JSON exports. Loaded only when the panel is first opened.

import { useEffect, useMemo, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { useChartTheme } from '../charts/chart-theme';
import { chartPng, downloadDataUrl, downloadText, exportFileName } from '../export';
import { usePlayground, usePlaygroundActions, usePlaygroundStore } from '../playground-context';
import { factorPlots, fisherPlot, formatDb, sharedRange, sharesPlot } from './inspector-figures';
import { inspectionJson } from './inspector-export';
import { maxBufferBytes, offeredLayers, resolvedChoice, type OfferedLayer } from './inspector-layers';
import { InspectorPlotView, loadInspectorPlotly } from './inspector-plot';
import { dampingLine, fisherLines, shareLines } from './inspector-series';
import {
  FACTOR_SIDES,
  findAnalysis,
  findFull,
  keyText,
  MAX_SHOWN_STEPS,
  shownSteps,
  toggledStep,
  viewableSteps,
  type AnalysedFactor,
  type FactorKey,
  type FactorSide,
} from './inspector-state';
import { useFactorAnalyses, type AnalysisProgress } from './use-factor-analyses';

const FACTOR_PLOT_HEIGHT = 300;
const TIME_PLOT_HEIGHT = 320;
const EMPTY_POINTS: never[] = [];

const mib = (bytes: number) => (bytes >= 2 ** 20 ? `${(bytes / 2 ** 20).toFixed(1)} MiB` : `${(bytes / 1024).toFixed(0)} KiB`);
const seconds = (ms: number) => (ms < 1000 ? `${ms.toFixed(0)} ms` : `${(ms / 1000).toFixed(2)} s`);

function layerLabel({ layer }: OfferedLayer): string {
  return `${layer.layer} (${layer.kind === 'conv2d' ? 'Conv2d' : 'Linear'}: H ${layer.hSize} x ${layer.hSize}, S ${layer.sSize} x ${layer.sSize})`;
}

/** The run, layer and steps chosen on the panel, resolved against what the session has. */
function useChoice() {
  const { selection, runKey, sessionSetup, gpu } = usePlayground(
    useShallow((s) => ({
      selection: s.inspector.selection,
      runKey: s.runs.map((run) => run.name).join('\n'),
      sessionSetup: s.sessionSetup,
      gpu: s.gpu,
    })),
  );
  const runNames = useMemo(() => (runKey === '' ? [] : runKey.split('\n')), [runKey]);
  const maxBytes = maxBufferBytes(gpu);
  const layers = useMemo(() => offeredLayers(sessionSetup, maxBytes), [sessionSetup, maxBytes]);
  const { run, layer } = resolvedChoice(selection, runNames, layers);
  return { runNames, layers, run, layer, chosenSteps: selection.steps, seed: sessionSetup?.seed ?? 0 };
}

function Elapsed({ since }: { since: number }) {
  const [now, setNow] = useState(() => performance.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(performance.now()), 250);
    return () => clearInterval(timer);
  }, []);
  return <>{seconds(Math.max(0, now - since))}</>;
}

function FactorStatus({ factorKey, n, progress }: { factorKey: FactorKey; n: number; progress: AnalysisProgress }) {
  const error = progress.errors[keyText(factorKey)];
  const running = progress.running && keyText(progress.running.key) === keyText(factorKey) ? progress.running : null;
  const size = `${factorKey.side} at step ${factorKey.step}: ${n} x ${n} (${mib(n * n * 4)})`;
  if (error)
    return (
      <p className="alert" role="alert">
        {size}: the analysis failed: {error}
      </p>
    );
  return (
    <p className="muted inspector-status" data-testid="inspector-analysing">
      {size}:{' '}
      {running ? (
        <>
          analysing… <Elapsed since={running.startedAt} />
        </>
      ) : (
        'waiting for the analysis of the factor before it'
      )}
    </p>
  );
}

/** One side's analyses at the steps shown, one row of four views per step. */
function SideViews({ side, keys, progress }: { side: FactorSide; keys: readonly FactorKey[]; progress: AnalysisProgress }) {
  const inspector = usePlayground((s) => s.inspector);
  const theme = useChartTheme();
  const entries = keys.map((key) => findAnalysis(inspector, key));
  const done = entries.filter((entry): entry is AnalysedFactor => entry !== undefined);
  const doneKey = done.map(keyText).join('\n');
  // One grey scale across the steps shown: rebuilt when an analysis comes, not with every measurement.
  const plots = useMemo(() => {
    const range = done.length > 0 ? sharedRange(done) : { min: 0, max: 1 };
    return done.map((entry) => ({ entry, plots: factorPlots(entry, range, theme, FACTOR_PLOT_HEIGHT) }));
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [doneKey, inspector.analyses, theme]);
  return (
    <div className="inspector-side" data-testid={`inspector-side-${side}`}>
      <h4>{side === 'H' ? 'H, the input side (activations or im2col patches)' : 'S, the output-gradient side'}</h4>
      {keys.map((key, i) => {
        const entry = entries[i];
        if (!entry) return <FactorStatus key={keyText(key)} factorKey={key} n={findFull(inspector, key)?.n ?? 0} progress={progress} />;
        const { analysis } = entry;
        const row = plots.find((candidate) => candidate.entry === entry);
        return (
          <div key={keyText(key)} className="inspector-step">
            <p className="inspector-facts" data-testid={`inspector-facts-${side}-${key.step}`}>
              <strong>
                {side} at step {key.step}
              </strong>
              : {analysis.n} x {analysis.n}, SNR {formatDb(analysis.snrDb)}, diagonal share {analysis.diagonalShare.toFixed(4)}, analysed in{' '}
              {seconds(analysis.milliseconds)}
            </p>
            <div className="inspector-views">
              {row?.plots.map((plot) => (
                <InspectorPlotView key={plot.id} plot={plot} />
              ))}
            </div>
          </div>
        );
      })}
    </div>
  );
}

function TimePlots({ run }: { run: string }) {
  const points = usePlayground((s) => s.inspector.series[run] ?? EMPTY_POINTS);
  const theme = useChartTheme();
  const plots = useMemo(() => {
    const fisher = fisherLines(points);
    return [
      sharesPlot(run, 'H', shareLines(points, 'H'), theme, TIME_PLOT_HEIGHT),
      sharesPlot(run, 'S', shareLines(points, 'S'), theme, TIME_PLOT_HEIGHT),
      ...(fisher.length > 0 ? [fisherPlot(run, fisher, dampingLine(points), theme, TIME_PLOT_HEIGHT)] : []),
    ];
  }, [run, points, theme]);
  if (points.length === 0) return <p className="muted">{run} has no measurement yet: each layer's diagonal share appears with the first one.</p>;
  return (
    <div className="inspector-time" data-testid="inspector-time">
      {plots.map((plot) => (
        <InspectorPlotView key={plot.id} plot={plot} />
      ))}
    </div>
  );
}

function Exports({ run, layer, keys, seed }: { run: string; layer: string | null; keys: readonly FactorKey[]; seed: number }) {
  const store = usePlaygroundStore();
  const exportPng = async () => {
    const plotly = await loadInspectorPlotly();
    for (const element of document.querySelectorAll<HTMLElement>('[data-testid^="inspector-plot-"]')) {
      const name = element.dataset.testid!.replace(/^inspector-plot-/, '');
      downloadDataUrl(exportFileName(`inspector-${run}-${layer ?? ''}-${name}`, 'png'), await chartPng(element, { width: 900, height: 700 }, plotly));
    }
  };
  const exportJson = () => {
    const { inspector } = store.getState();
    const shown = keys.flatMap((key) => {
      const analysed = findAnalysis(inspector, key);
      return analysed ? [{ analysed, factor: findFull(inspector, key), frequency: findFull(inspector, key, 'frequency') }] : [];
    });
    const json = inspectionJson({ run, layer, seed, points: inspector.series[run] ?? [], shown });
    downloadText(exportFileName(`inspector-${run}-${layer ?? ''}`, 'json'), json, 'application/json');
  };
  return (
    <div className="row" aria-label="Export the inspection">
      <button type="button" className="secondary" onClick={() => void exportPng()}>
        Inspector PNG
      </button>
      <button type="button" className="secondary" onClick={exportJson}>
        Inspector JSON
      </button>
    </div>
  );
}

export function InspectorBody() {
  const { runNames, layers, run, layer, chosenSteps, seed } = useChoice();
  const { selectInspection } = usePlaygroundActions();
  const { full, analyses, live } = usePlayground(useShallow((s) => ({ full: s.inspector.full, analyses: s.inspector.analyses, live: s.session !== 'idle' })));
  const viewable = useMemo(() => (run && layer ? viewableSteps({ full, analyses }, run, layer) : []), [full, analyses, run, layer]);
  const steps = shownSteps(chosenSteps, viewable);
  const keys = run && layer ? steps.flatMap((step) => FACTOR_SIDES.map((side): FactorKey => ({ run, layer, side, step }))) : [];
  const wanted = keys.filter((key) => !findAnalysis({ analyses }, key) && findFull({ full }, key));
  const progress = useFactorAnalyses(wanted, seed);
  const refused = layers.filter((offered) => offered.refusal !== null);

  return (
    <div className="inspector-body">
      <div className="row inspector-controls">
        <label className="inspector-field">
          Run
          <select value={run ?? ''} onChange={(event) => selectInspection({ run: event.target.value })}>
            {runNames.map((name) => (
              <option key={name} value={name}>
                {name}
              </option>
            ))}
          </select>
        </label>
        <label className="inspector-field">
          Layer
          <select value={layer ?? ''} onChange={(event) => selectInspection({ layer: event.target.value })}>
            {layers.map((offered) => (
              <option key={offered.layer.layer} value={offered.layer.layer} disabled={offered.refusal !== null} title={offered.refusal ?? undefined}>
                {layerLabel(offered)}
                {offered.refusal ? ' (too large for this device)' : ''}
              </option>
            ))}
          </select>
        </label>
        <fieldset className="inspector-steps">
          <legend>Steps (up to {MAX_SHOWN_STEPS})</legend>
          {viewable.length === 0 && <span className="muted">none measured yet</span>}
          {viewable.map((step) => (
            <label key={step}>
              <input type="checkbox" checked={steps.includes(step)} onChange={() => selectInspection({ steps: toggledStep(steps, step) })} />
              {step}
            </label>
          ))}
        </fieldset>
      </div>
      {refused.map((offered) => (
        <p key={offered.layer.layer} className="muted" data-testid="inspector-too-large">
          {offered.refusal}
        </p>
      ))}
      {run && layer && steps.length === 0 && (
        <p className="muted" data-testid="inspector-waiting">
          {live
            ? `Waiting for the first measurement of ${layer}'s full factors in ${run} (every TCov steps for AdaFisher, every 100 steps otherwise, counted from the first step).`
            : `This session kept no full factors of ${layer} in ${run}.`}
        </p>
      )}
      {steps.length > 0 && (
        <div className="inspector-factors" data-testid="inspector-factors">
          {FACTOR_SIDES.map((side) => (
            <SideViews key={side} side={side} keys={keys.filter((key) => key.side === side)} progress={progress} />
          ))}
        </div>
      )}
      {run && (
        <>
          <h4>Every layer of {run} over time</h4>
          <TimePlots run={run} />
          <Exports run={run} layer={layer} keys={keys} seed={seed} />
        </>
      )}
    </div>
  );
}
