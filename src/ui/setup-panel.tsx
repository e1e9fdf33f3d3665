import { useMemo, useRef, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { ConfigError, parseRunConfig } from '../engine/config/run-config';
import { setupFromYaml, setupToYaml } from './config-file';
import { DataPanel } from './data-panel';
import { LandscapeSetup } from './landscape-setup';
import { NumberField } from './number-field';
import { PytorchExport } from './pytorch-export';
import { downloadText, exportFileName } from './export';
import { RunEditor } from './run-editor';
import { shareLink } from './share-url';
import { setupToConfig, TASK_DATASET, TASK_LABELS, TASK_MODELS, TASKS, withRuns, type InitOverrides, type Setup } from './setup';
import { usePlayground, usePlaygroundActions } from './playground-context';

/** Every problem of the setup as the command line would report it, or none. */
function setupProblems(setup: Setup): string[] {
  try {
    parseRunConfig(setupToConfig(setup));
    return [];
  } catch (error) {
    return error instanceof ConfigError ? error.problems : [String(error)];
  }
}

function ShareAndFiles({ setup, disabled }: { setup: Setup; disabled: boolean }) {
  const { replaceSetup } = usePlaygroundActions();
  const fileInput = useRef<HTMLInputElement>(null);
  const [link, setLink] = useState<string | null>(null);
  const [importError, setImportError] = useState<string | null>(null);
  return (
    <div className="share">
      <div className="row">
        <button
          type="button"
          className="secondary"
          onClick={() => downloadText(exportFileName(`setup-${setup.model}`, 'yaml'), setupToYaml(setup), 'application/yaml')}
        >
          Export YAML
        </button>
        <button type="button" className="secondary" disabled={disabled} onClick={() => fileInput.current?.click()}>
          Import YAML
        </button>
        <button
          type="button"
          className="secondary"
          onClick={() => {
            const url = shareLink(setup, location.href);
            setLink(url);
            void navigator.clipboard?.writeText(url).catch(() => undefined);
          }}
        >
          Copy link
        </button>
      </div>
      <input
        ref={fileInput}
        type="file"
        hidden
        accept=".yaml,.yml"
        data-testid="yaml-input"
        onChange={async (event) => {
          const file = event.target.files?.[0];
          event.target.value = '';
          if (!file) return;
          try {
            replaceSetup(setupFromYaml(await file.text(), file.name));
            setImportError(null);
          } catch (error) {
            setImportError(error instanceof Error ? error.message : String(error));
          }
        }}
      />
      {link && (
        <label>
          Link to this setup (copied)
          <input type="url" readOnly value={link} data-testid="share-link" onFocus={(event) => event.target.select()} />
        </label>
      )}
      {importError && (
        <p className="alert" role="alert">
          {importError}
        </p>
      )}
    </div>
  );
}

/** The parameters that start from given values (the config's `init`), kept as imported. */
function InitNote({ init }: { init: InitOverrides }) {
  const values = Object.entries(init).map(([name, start]) => `${name} = (${start.join(', ')})`);
  return (
    <p className="muted wide" data-testid="init-overrides">
      Starting values: {values.join('; ')}.
    </p>
  );
}

/**
 * What to train: the task, the data, the model, the length and the runs. It subscribes to
 * nothing a training step changes, so a session's metrics never render the form again.
 */
export function SetupPanel() {
  const { setup, busy, gpuReady, dataset, hasResults } = usePlayground(
    useShallow((s) => ({
      setup: s.setup,
      busy: s.session !== 'idle',
      gpuReady: s.gpu.state === 'ready',
      dataset: s.data.summary?.dataset,
      hasResults: s.runs.length > 0,
    })),
  );
  const { updateSetup, setTask, startTraining, reset } = usePlaygroundActions();
  const problems = useMemo(() => setupProblems(setup), [setup]);
  const dataReady = setup.data.choice !== 'files' || dataset === TASK_DATASET[setup.task];
  const canStart = !busy && gpuReady && problems.length === 0 && dataReady;
  return (
    <aside className="setup-panel" aria-labelledby="setup-title">
      <h2 id="setup-title">Setup</h2>
      <fieldset className="row" disabled={busy} role="radiogroup" aria-label="Task">
        <legend>Task</legend>
        {TASKS.map((task) => (
          <label key={task} className="choice">
            <input type="radio" name="task" value={task} checked={setup.task === task} onChange={() => setTask(task)} />
            {TASK_LABELS[task]}
          </label>
        ))}
      </fieldset>
      <DataPanel disabled={busy} />
      <fieldset className="grid" disabled={busy}>
        <legend>Model and length</legend>
        <label>
          Model
          <select value={setup.model} onChange={(event) => updateSetup({ model: event.target.value })}>
            {TASK_MODELS[setup.task].map((model) => (
              <option key={model}>{model}</option>
            ))}
          </select>
        </label>
        <NumberField
          label="Batch"
          range="1 to 4096"
          value={setup.batchSize}
          min={1}
          max={4096}
          disabled={busy}
          onChange={(batchSize) => updateSetup({ batchSize })}
        />
        <label>
          Train for
          <select value={setup.length.unit} onChange={(event) => updateSetup({ length: { ...setup.length, unit: event.target.value as 'steps' | 'epochs' } })}>
            <option value="steps">steps</option>
            <option value="epochs">epochs</option>
          </select>
        </label>
        <NumberField
          label={setup.length.unit === 'steps' ? 'Steps' : 'Epochs'}
          range="a whole number ≥ 1"
          value={setup.length.value}
          min={1}
          disabled={busy}
          onChange={(value) => updateSetup({ length: { ...setup.length, value } })}
        />
        <NumberField label="Seed" range="a whole number ≥ 0" value={setup.seed} min={0} disabled={busy} onChange={(seed) => updateSetup({ seed })} />
        <NumberField
          label="Log every"
          range="steps between metrics, ≥ 1"
          value={setup.logEvery}
          min={1}
          disabled={busy}
          onChange={(logEvery) => updateSetup({ logEvery })}
        />
        {setup.init && <InitNote init={setup.init} />}
      </fieldset>
      <RunEditor
        runs={setup.runs}
        task={setup.task}
        disabled={busy}
        onChange={(runs) => updateSetup(withRuns(setup, runs))}
        onStartOne={(name) => void startTraining(name)}
        startDisabled={!canStart}
      />
      <LandscapeSetup disabled={busy} />
      {problems.length > 0 && (
        <ul className="alert" role="alert" aria-label="Setup problems">
          {problems.map((problem) => (
            <li key={problem}>{problem}</li>
          ))}
        </ul>
      )}
      <div className="row">
        <button type="button" disabled={!canStart} onClick={() => void startTraining()}>
          Start
        </button>
        <button type="button" className="secondary" disabled={busy || !hasResults} onClick={() => reset()}>
          Reset results
        </button>
      </div>
      <ShareAndFiles setup={setup} disabled={busy} />
      <PytorchExport setup={setup} disabled={problems.length > 0} />
    </aside>
  );
}
