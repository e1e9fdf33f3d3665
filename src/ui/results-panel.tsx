import { lazy, Suspense, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import type { RunSummary } from '../engine/train/events';
import { MetricCharts } from './charts/metric-charts';
import type { ChartRun } from './charts/series';
import { chartPng, comparisonCsv, comparisonJson, downloadDataUrl, downloadText, exportFileName, runCsv, weightsFileName } from './export';
import { usePlayground, usePlaygroundActions, usePlaygroundStore } from './playground-context';
import type { PlaygroundState, RunView } from './playground-state';
import { InspectorPanel } from './inspector/inspector-panel';
import { SamplePanel } from './sample-panel';
import { RunProfilePanel } from './step-profile-view';
import type { Task } from './setup';
import { describeFirstStep } from '../engine/train/first-step';
import type { StepTimeSource } from '../engine/train/step-times';

/** The Landscape panel and its code load with the first session that has a landscape; its plotting bundle when it first draws. */
const LandscapePanel = lazy(() => import('./landscape/landscape-panel').then((module) => ({ default: module.LandscapePanel })));

const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;

function timeLeft(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '';
  if (seconds < 90) return `${Math.round(seconds)} s left`;
  if (seconds < 5400) return `${Math.round(seconds / 60)} min left`;
  return `${(seconds / 3600).toFixed(1)} h left`;
}

const STEP_TIME_SOURCE: Record<StepTimeSource, string> = { 'gpu-timestamps': 'GPU timestamps', completions: 'between GPU completions' };
const STEP_TIME_EXPLAINED: Record<StepTimeSource, string> = {
  'gpu-timestamps': "The GPU's own clock around each step's pass, read with the metrics",
  completions: 'This GPU has no timestamp queries: the time from one queued submit ending to the next, which also counts time the GPU sat idle',
};

/** Remaining steps at the run's latest ms per step. */
function runTimeLeft(run: RunView, step: number): string {
  const msPerStep = run.rows.at(-1)?.ms_per_step;
  return msPerStep && run.totalSteps ? timeLeft(((run.totalSteps - step) * msPerStep) / 1000) : '';
}

function describeResult(summary: RunSummary | undefined, text: boolean): string {
  if (!summary) return '';
  if (text) return summary.test_perplexity === null ? '' : `test perplexity ${summary.test_perplexity.toFixed(1)}`;
  return summary.test_accuracy === null ? '' : `test accuracy ${(100 * summary.test_accuracy).toFixed(1)} %`;
}

const selectTask = (s: PlaygroundState): Task => s.sessionSetup?.task ?? s.setup.task;

/** One run's line: its state, progress, controls and downloads. It renders again when this run, its step or the session changes, not for the other runs. */
export function RunRow({ name, text }: { name: string; text: boolean }) {
  const run = usePlayground((s) => s.runs.find((candidate) => candidate.name === name));
  const step = usePlayground((s) => s.runSteps[name] ?? 0);
  const { session, setupHasRun, task, weightsInWorker, exportingWeights, profiling } = usePlayground(
    useShallow((s) => ({
      session: s.session,
      profiling: s.profiles[name]?.pending ?? false,
      setupHasRun: s.setup.runs.some((spec) => spec.name === name),
      task: selectTask(s),
      weightsInWorker: s.weightsInWorker,
      exportingWeights: s.weightsExport.run,
    })),
  );
  const { pauseTraining, resumeTraining, stopTraining, startTraining, reset, exportWeights, profileStep } = usePlaygroundActions();
  if (!run) return null;
  const live = run.state === 'running' || run.state === 'pending';
  const last = run.rows.at(-1);
  return (
    <li className="run-row" data-testid={`run-${run.name}`}>
      <div className="run-head">
        <strong>{run.name}</strong> <span className="muted">{run.optimizer}</span> <span className={`state state-${run.state}`}>{run.state}</span>
        {last && <span> loss {last.train_loss.toFixed(4)}</span>}
        <span className="muted"> {describeResult(run.summary, text)}</span>
      </div>
      {run.message && <p className={run.state === 'diverged' || run.state === 'failed' || run.state === 'device-lost' ? 'alert' : 'muted'}>{run.message}</p>}
      <label className="progress-label">
        <span>
          Step {step} of {run.totalSteps || '…'} {live ? runTimeLeft(run, step) : ''}
        </span>
        <progress max={run.totalSteps || 1} value={step} aria-label={`${run.name} progress`} />
      </label>
      <div className="row compact">
        {run.gpuBytes && <span className="muted">GPU memory {mib(run.gpuBytes.held || run.gpuBytes.total)}</span>}
        {last && run.stepTimes && (
          <span className="muted" data-testid={`step-time-${run.name}`} title={STEP_TIME_EXPLAINED[run.stepTimes]}>
            {last.ms_per_step.toFixed(1)} ms/step ({STEP_TIME_SOURCE[run.stepTimes]})
          </span>
        )}
        {run.firstStep && (
          <span className="muted" data-testid={`first-step-${run.name}`}>
            First step {describeFirstStep(run.firstStep)}
          </span>
        )}
        {session !== 'idle' && live && (
          <button type="button" className="secondary" onClick={() => pauseTraining(run.name)}>
            Pause {run.name}
          </button>
        )}
        {session !== 'idle' && run.state === 'paused' && (
          <button type="button" className="secondary" onClick={() => resumeTraining(run.name)}>
            Resume {run.name}
          </button>
        )}
        {session !== 'idle' && (live || run.state === 'paused') && (
          <button type="button" className="secondary" onClick={() => stopTraining(run.name)}>
            Stop {run.name}
          </button>
        )}
        {session !== 'idle' && (live || run.state === 'paused') && (
          <button
            type="button"
            className="secondary"
            disabled={profiling}
            title="Time each GPU dispatch of this run's next step, by layer and by forward, backward and optimizer"
            onClick={() => profileStep(run.name)}
          >
            {profiling ? `Profiling a step of ${run.name}…` : `Profile a step of ${run.name}`}
          </button>
        )}
        {session === 'idle' && setupHasRun && (
          <button type="button" className="secondary" onClick={() => void startTraining(run.name)}>
            Start {run.name} again
          </button>
        )}
        {session === 'idle' && (
          <button type="button" className="secondary" onClick={() => reset(run.name)}>
            Reset {run.name}
          </button>
        )}
        <button type="button" className="secondary" onClick={() => downloadText(exportFileName(run.name, 'csv'), runCsv(run, task), 'text/csv')}>
          CSV of {run.name}
        </button>
        <button
          type="button"
          className="secondary"
          disabled={!weightsInWorker || exportingWeights !== null}
          title={
            weightsInWorker
              ? `${run.name}'s current weights as ${weightsFileName(run.name)} (safetensors)`
              : 'The weights stay in the worker that trained them: train the run again in this page to download them.'
          }
          onClick={() => exportWeights(run.name)}
        >
          {exportingWeights === run.name ? `Preparing weights of ${run.name}…` : `Weights of ${run.name}`}
        </button>
      </div>
      <RunProfilePanel name={run.name} />
    </li>
  );
}

/** The runs' lines; a new list only when runs come or go. */
function RunList({ text }: { text: boolean }) {
  const names = usePlayground(useShallow((s) => s.runs.map((run) => run.name)));
  return (
    <ul className="runs" aria-label="Runs">
      {names.map((name) => (
        <RunRow key={name} name={name} text={text} />
      ))}
    </ul>
  );
}

/**
 * A selector of the runs as the charts draw them: the same list until a run's history changes
 * (its version, or new arrays after a restore), so a state change or a progress tick does not
 * rebuild the traces. Each component keeps its own (the cache is per selector).
 */
function chartRunsSelector(): (state: PlaygroundState) => readonly ChartRun[] {
  let previous: { runs: readonly RunView[]; chartRuns: readonly ChartRun[] } = { runs: [], chartRuns: [] };
  const same = (a: RunView, b: RunView) =>
    a.name === b.name && a.color === b.color && a.version === b.version && a.rows === b.rows && a.evaluations === b.evaluations;
  return (state) => {
    const { runs } = state;
    if (runs.length !== previous.runs.length || runs.some((run, i) => !same(run, previous.runs[i]))) {
      previous = { runs, chartRuns: runs.map(({ name, color, rows, evaluations }) => ({ name, ...(color ? { color } : {}), rows, evaluations })) };
    }
    return previous.chartRuns;
  };
}

function LiveCharts({ task }: { task: Task }) {
  const [selectChartRuns] = useState(chartRunsSelector);
  const runs = usePlayground(selectChartRuns);
  const stepsPerEpoch = usePlayground((s) => s.progress.stepsPerEpoch);
  return <MetricCharts runs={runs} task={task} stepsPerEpoch={stepsPerEpoch} />;
}

function WeightsExportError() {
  const error = usePlayground((s) => s.weightsExport.error);
  if (!error) return null;
  return (
    <p className="alert" role="alert" data-testid="weights-error">
      {error}
    </p>
  );
}

/** Exports read the runs when clicked, so the buttons do not render with every metric. */
function ExportButtons() {
  const store = usePlaygroundStore();
  const current = () => {
    const { runs, sessionSetup, setup } = store.getState();
    return { runs, setup: sessionSetup ?? setup };
  };
  const exportPng = async () => {
    for (const element of document.querySelectorAll<HTMLElement>('[data-testid^="chart-"]')) {
      const name = element.dataset.testid!.replace(/^chart-/, '');
      downloadDataUrl(exportFileName(`comparison-${name}`, 'png'), await chartPng(element, { width: 1200, height: 700 }));
    }
  };
  return (
    <div className="row" aria-label="Export">
      <button
        type="button"
        className="secondary"
        onClick={() => {
          const { runs, setup } = current();
          downloadText(exportFileName('comparison', 'csv'), comparisonCsv(runs, setup.task), 'text/csv');
        }}
      >
        Export CSV
      </button>
      <button
        type="button"
        className="secondary"
        onClick={() => {
          const { runs, setup } = current();
          downloadText(exportFileName('comparison', 'json'), comparisonJson(setup, runs), 'application/json');
        }}
      >
        Export JSON
      </button>
      <button type="button" className="secondary" onClick={() => void exportPng()}>
        Export PNG
      </button>
    </div>
  );
}

/** The session's status line, progress bar and controls (while one runs). */
function SessionStatus() {
  const { session, progress } = usePlayground(useShallow((s) => ({ session: s.session, progress: s.progress })));
  const { pauseTraining, resumeTraining, stopTraining } = usePlaygroundActions();
  if (session === 'idle') return null;
  const elapsed = (progress.updatedAt - progress.startedAt) / 1000;
  const eta = progress.step > 0 && progress.totalSteps ? timeLeft((elapsed / progress.step) * (progress.totalSteps - progress.step)) : '';
  return (
    <div className="session-status">
      <p role="status" data-testid="training-progress">
        {session === 'loading'
          ? 'Preparing data and compiling kernels…'
          : `Step ${progress.step} of ${progress.totalSteps}${session === 'paused' ? ' (paused)' : ''}`}{' '}
        {session === 'training' ? eta : ''}
      </p>
      <progress max={progress.totalSteps || 1} value={progress.step} aria-label="Session progress" />
      <div className="row">
        {session === 'training' && (
          <button type="button" onClick={() => pauseTraining()}>
            Pause
          </button>
        )}
        {session === 'paused' && (
          <button type="button" onClick={() => resumeTraining()}>
            Resume
          </button>
        )}
        <button type="button" className="secondary" onClick={() => stopTraining()}>
          Stop
        </button>
      </div>
    </div>
  );
}

/** The session: its status and controls, every run's progress, the live charts, the loss landscape and the Kronecker-factor inspector, sampling and exports. */
export function ResultsPanel() {
  const { idle, hasRuns, hasRows, hasSummaries, runNames, trainingError, task, storage, landscape } = usePlayground(
    useShallow((s) => ({
      landscape: s.landscape.enabled,
      idle: s.session === 'idle',
      hasRuns: s.runs.length > 0,
      hasRows: s.runs.some((run) => run.rows.length > 0),
      hasSummaries: s.runs.some((run) => run.summary),
      runNames: s.runs.map((run) => run.name).join('\n'),
      trainingError: s.trainingError,
      task: selectTask(s),
      storage: s.storage,
    })),
  );
  const text = task === 'language-modeling';
  return (
    <section className="results-panel" aria-labelledby="results-title">
      <h2 id="results-title">Runs</h2>
      {!storage.persistent && (
        <p className="muted">This browser keeps no history here (IndexedDB is unavailable, as in private windows): export runs to keep them.</p>
      )}
      {storage.error && (
        <p className="alert" role="alert">
          {storage.error}
        </p>
      )}
      {trainingError && (
        <p className="alert" role="alert" data-testid="training-error">
          {trainingError}
        </p>
      )}
      <SessionStatus />
      {!hasRuns && idle && <p className="muted">Press Start to train every run of the setup side by side, from the same weights on the same batches.</p>}
      <RunList text={text} />
      <WeightsExportError />
      {hasRuns && <LiveCharts task={task} />}
      {hasRuns && landscape && (
        <Suspense fallback={<p className="muted">Loading the landscape panel…</p>}>
          <LandscapePanel />
        </Suspense>
      )}
      {hasRuns && <InspectorPanel />}
      {text && hasRows && <SamplePanel runs={runNames.split('\n')} />}
      {hasSummaries && <SummaryTable text={text} />}
      {hasRuns && <ExportButtons />}
    </section>
  );
}

function SummaryTable({ text }: { text: boolean }) {
  const summaries = usePlayground(useShallow((s) => s.runs.flatMap((run) => (run.summary ? [run.summary] : []))));
  const value = (x: number | null | undefined, digits = 1) => (x === null || x === undefined ? '–' : x.toFixed(digits));
  return (
    <table data-testid="summaries">
      <thead>
        <tr>
          <th scope="col">Run</th>
          <th scope="col">State</th>
          <th scope="col">Train loss</th>
          <th scope="col">{text ? 'Perplexity (validation, test)' : 'Test accuracy'}</th>
          <th scope="col">ms / step</th>
        </tr>
      </thead>
      <tbody>
        {summaries.map((s) => (
          <tr key={s.run}>
            <td>{s.run}</td>
            <td>{s.state}</td>
            <td>
              {value(s.train_loss_first, 3)} → {value(s.train_loss_last, 3)}
            </td>
            <td>
              {text ? `${value(s.val_perplexity)}, ${value(s.test_perplexity)}` : s.test_accuracy === null ? '–' : `${(100 * s.test_accuracy).toFixed(1)} %`}
            </td>
            <td>{value(s.ms_per_step_median)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
