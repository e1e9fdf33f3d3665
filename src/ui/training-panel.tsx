import { DataPanel } from './data-panel';
import { LossChart } from './loss-chart';
import type { RunSummary } from '../engine/train/events';
import { SamplePanel } from './sample-panel';
import { TASK_DATASET, TASK_MODELS, usePlayground } from './store';

function describePerplexity(summary: RunSummary): string {
  const value = (x: number | null) => (x === null ? '–' : x.toFixed(1));
  return `${value(summary.val_perplexity)}, ${value(summary.test_perplexity)}`;
}

function describeOptimizer(run: { optimizer: { type: string; lr: number } }): string {
  return `${run.optimizer.type}, lr ${run.optimizer.lr}`;
}

export function TrainingPanel() {
  const { gpu, setup, session, progress, runs, summaries, trainingError, data } = usePlayground();
  const { updateSetup, setTask, startTraining, pauseTraining, resumeTraining, stopTraining } = usePlayground.getState();
  const busy = session !== 'idle';
  const dataReady = setup.data.choice !== 'files' || data.summary?.dataset === TASK_DATASET[setup.task];
  const text = setup.task === 'language-modeling';
  const toggle = (name: string, on: boolean) =>
    updateSetup({ selected: on ? [...setup.selected, name] : setup.selected.filter((n) => n !== name) });
  return (
    <section aria-labelledby="train-title">
      <h2 id="train-title">Compare optimizers</h2>
      <p>
        Every run starts from the same weights and sees the same batches.{' '}
        {text
          ? 'The language models are compact GPT-1s (post-LN blocks, output tied to the token embedding); AdaFisherW preconditions every Linear and LayerNorm, and moves the embeddings as momentum SGD (F = 1).'
          : "Learning rates are ones that train cnn-small, which has no BatchNorm: AdaFisher at the paper's 1e-3 and SGD at 0.05 diverge on it."}
      </p>
      <fieldset className="row" disabled={busy} role="radiogroup" aria-label="Task">
        <legend>Task</legend>
        {(['image-classification', 'language-modeling'] as const).map((task) => (
          <label key={task} className="choice">
            <input type="radio" name="task" value={task} checked={setup.task === task} onChange={() => setTask(task)} />
            {task === 'image-classification' ? 'Image classification' : 'Language modelling'}
          </label>
        ))}
      </fieldset>
      <DataPanel disabled={busy} />
      <fieldset className="row" disabled={busy}>
        <legend>Optimizers</legend>
        {setup.runs.map((run) => (
          <span key={run.name} className="check">
            <label>
              <input type="checkbox" checked={setup.selected.includes(run.name)} onChange={(e) => toggle(run.name, e.target.checked)} />
              {run.name}
            </label>
            <span className="muted">{describeOptimizer(run)}</span>
          </span>
        ))}
      </fieldset>
      <div className="row">
        <label>
          Model
          <select disabled={busy} value={setup.model} onChange={(e) => updateSetup({ model: e.target.value })}>
            {TASK_MODELS[setup.task].map((model) => (
              <option key={model}>{model}</option>
            ))}
          </select>
        </label>
        <label>
          Batch
          <input type="number" disabled={busy} min={1} max={512} value={setup.batchSize} onChange={(e) => updateSetup({ batchSize: Number(e.target.value) })} />
        </label>
        <label>
          Steps
          <input type="number" disabled={busy} min={1} value={setup.steps} onChange={(e) => updateSetup({ steps: Number(e.target.value) })} />
        </label>
        {!busy && (
          <button type="button" disabled={gpu.state !== 'ready' || setup.selected.length === 0 || !dataReady} onClick={() => void startTraining()}>
            Start
          </button>
        )}
        {session === 'training' && (
          <button type="button" onClick={pauseTraining}>
            Pause
          </button>
        )}
        {session === 'paused' && (
          <button type="button" onClick={resumeTraining}>
            Resume
          </button>
        )}
        {busy && (
          <button type="button" className="secondary" onClick={stopTraining}>
            Stop
          </button>
        )}
      </div>
      {trainingError && (
        <p className="alert" role="alert" data-testid="training-error">
          {trainingError}
        </p>
      )}
      {session !== 'idle' && (
        <p role="status" data-testid="training-progress">
          {session === 'loading' ? 'Preparing data and compiling kernels…' : `Step ${progress.step} of ${progress.totalSteps}${session === 'paused' ? ' (paused)' : ''}`}
        </p>
      )}
      <ul className="runs" aria-label="Runs">
        {runs.map((run) => (
          <li key={run.name} data-testid={`run-${run.name}`}>
            <strong>{run.name}</strong> <span className={`state state-${run.state}`}>{run.state}</span>
            {run.rows.length > 0 && <span> loss {run.rows.at(-1)!.train_loss.toFixed(4)}</span>}
            {run.message && <span className="alert"> {run.message}</span>}
          </li>
        ))}
      </ul>
      {runs.length > 0 && <LossChart runs={runs} />}
      {text && runs.some((run) => run.rows.length > 0) && <SamplePanel runs={runs.map((run) => run.name)} />}
      {summaries.length > 0 && (
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
                  {s.train_loss_first?.toFixed(3)} → {s.train_loss_last?.toFixed(3)}
                </td>
                <td>{text ? describePerplexity(s) : s.test_accuracy === null ? '–' : `${(100 * s.test_accuracy).toFixed(1)} %`}</td>
                <td>{s.ms_per_step_median?.toFixed(1)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
