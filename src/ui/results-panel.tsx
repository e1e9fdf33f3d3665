import type { RunSummary } from '../engine/train/events';
import { MetricCharts } from './charts/metric-charts';
import { chartPng, comparisonCsv, comparisonJson, downloadDataUrl, downloadText, exportFileName, runCsv } from './export';
import { SamplePanel } from './sample-panel';
import { usePlayground, type RunView } from './store';

const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;

function timeLeft(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '';
  if (seconds < 90) return `${Math.round(seconds)} s left`;
  if (seconds < 5400) return `${Math.round(seconds / 60)} min left`;
  return `${(seconds / 3600).toFixed(1)} h left`;
}

/** Remaining steps at the run's latest ms per step. */
function runTimeLeft(run: RunView): string {
  const msPerStep = run.rows.at(-1)?.ms_per_step;
  return msPerStep && run.totalSteps ? timeLeft(((run.totalSteps - run.step) * msPerStep) / 1000) : '';
}

function describeResult(summary: RunSummary | undefined, text: boolean): string {
  if (!summary) return '';
  if (text) return summary.test_perplexity === null ? '' : `test perplexity ${summary.test_perplexity.toFixed(1)}`;
  return summary.test_accuracy === null ? '' : `test accuracy ${(100 * summary.test_accuracy).toFixed(1)} %`;
}

function RunRow({ run, text }: { run: RunView; text: boolean }) {
  const { session } = usePlayground();
  const { pauseTraining, resumeTraining, stopTraining, startTraining, reset } = usePlayground.getState();
  const setupHasRun = usePlayground((s) => s.setup.runs.some((spec) => spec.name === run.name));
  const task = usePlayground((s) => s.sessionSetup?.task ?? s.setup.task);
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
          Step {run.step} of {run.totalSteps || '…'} {live ? runTimeLeft(run) : ''}
        </span>
        <progress max={run.totalSteps || 1} value={run.step} aria-label={`${run.name} progress`} />
      </label>
      <div className="row compact">
        {run.gpuBytes && <span className="muted">GPU memory {mib(run.gpuBytes.held || run.gpuBytes.total)}</span>}
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
      </div>
    </li>
  );
}

function ExportButtons() {
  const { runs, sessionSetup, setup } = usePlayground();
  const chosen = sessionSetup ?? setup;
  const exportPng = async () => {
    for (const element of document.querySelectorAll<HTMLElement>('[data-testid^="chart-"]')) {
      const name = element.dataset.testid!.replace(/^chart-/, '');
      downloadDataUrl(exportFileName(`comparison-${name}`, 'png'), await chartPng(element, { width: 1200, height: 700 }));
    }
  };
  return (
    <div className="row" aria-label="Export">
      <button type="button" className="secondary" onClick={() => downloadText(exportFileName('comparison', 'csv'), comparisonCsv(runs, chosen.task), 'text/csv')}>
        Export CSV
      </button>
      <button type="button" className="secondary" onClick={() => downloadText(exportFileName('comparison', 'json'), comparisonJson(chosen, runs), 'application/json')}>
        Export JSON
      </button>
      <button type="button" className="secondary" onClick={() => void exportPng()}>
        Export PNG
      </button>
    </div>
  );
}

/** The session: its status and controls, every run's progress, the live charts, sampling and exports. */
export function ResultsPanel() {
  const { session, progress, runs, trainingError, sessionSetup, setup, storage } = usePlayground();
  const { pauseTraining, resumeTraining, stopTraining } = usePlayground.getState();
  const task = sessionSetup?.task ?? setup.task;
  const text = task === 'language-modeling';
  const elapsed = (progress.updatedAt - progress.startedAt) / 1000;
  const eta = progress.step > 0 && progress.totalSteps ? timeLeft((elapsed / progress.step) * (progress.totalSteps - progress.step)) : '';
  return (
    <section className="results-panel" aria-labelledby="results-title">
      <h2 id="results-title">Runs</h2>
      {!storage.persistent && <p className="muted">This browser keeps no history here (IndexedDB is unavailable, as in private windows): export runs to keep them.</p>}
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
      {session !== 'idle' && (
        <div className="session-status">
          <p role="status" data-testid="training-progress">
            {session === 'loading' ? 'Preparing data and compiling kernels…' : `Step ${progress.step} of ${progress.totalSteps}${session === 'paused' ? ' (paused)' : ''}`} {session === 'training' ? eta : ''}
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
      )}
      {runs.length === 0 && session === 'idle' && <p className="muted">Press Start to train every run of the setup side by side, from the same weights on the same batches.</p>}
      <ul className="runs" aria-label="Runs">
        {runs.map((run) => (
          <RunRow key={run.name} run={run} text={text} />
        ))}
      </ul>
      {runs.length > 0 && <MetricCharts runs={runs} task={task} stepsPerEpoch={progress.stepsPerEpoch} />}
      {text && runs.some((run) => run.rows.length > 0) && <SamplePanel runs={runs.map((run) => run.name)} />}
      {runs.some((run) => run.summary) && <SummaryTable runs={runs} text={text} />}
      {runs.length > 0 && <ExportButtons />}
    </section>
  );
}

function SummaryTable({ runs, text }: { runs: RunView[]; text: boolean }) {
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
        {runs
          .filter((run) => run.summary)
          .map(({ summary: s }) => (
            <tr key={s!.run}>
              <td>{s!.run}</td>
              <td>{s!.state}</td>
              <td>
                {value(s!.train_loss_first, 3)} → {value(s!.train_loss_last, 3)}
              </td>
              <td>{text ? `${value(s!.val_perplexity)}, ${value(s!.test_perplexity)}` : s!.test_accuracy === null ? '–' : `${(100 * s!.test_accuracy).toFixed(1)} %`}</td>
              <td>{value(s!.ms_per_step_median)}</td>
            </tr>
          ))}
      </tbody>
    </table>
  );
}
