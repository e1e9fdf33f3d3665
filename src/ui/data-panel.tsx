import { useRef, useState, type DragEvent } from 'react';
import type { DataSummary } from '../worker/protocol';
import { usePlayground, usePlaygroundActions } from './playground-context';
import type { DataChoice, Task } from './setup';

type Choice = { value: DataChoice; label: string; hint: string };

const CHOICES: Record<Task, Choice[]> = {
  'image-classification': [
    { value: 'synthetic', label: 'Built-in shapes', hint: '10 classes of coloured shapes, generated here: nothing to download.' },
    {
      value: 'shards',
      label: 'CIFAR-10 shards',
      hint: 'Streamed shard by shard from a manifest that `npm run data -- cifar10` writes; checked shards are cached.',
    },
    { value: 'huggingface', label: 'CIFAR-10 from Hugging Face', hint: 'The parquet files of uoft-cs/cifar10, read with range requests and decoded here.' },
    { value: 'files', label: 'Your files', hint: 'cifar-10-binary.tar.gz or its .bin files, dropped below or chosen; nothing leaves this computer.' },
  ],
  'language-modeling': [
    { value: 'synthetic', label: 'Built-in text', hint: 'Sentences of a small probabilistic grammar (about 280 words), generated here: nothing to download.' },
    { value: 'shards', label: 'WikiText-2 shards', hint: 'Token shards and vocabulary that `npm run data -- wikitext2` writes; checked shards are cached.' },
    {
      value: 'huggingface',
      label: 'WikiText-2 from Hugging Face',
      hint: 'The parquet files of Salesforce/wikitext (wikitext-2-raw-v1), read with range requests; the vocabulary is built here.',
    },
    { value: 'files', label: 'Your files', hint: 'wikitext-2-v1.zip or its wiki.*.tokens files, dropped below or chosen; nothing leaves this computer.' },
  ],
  'tabular-classification': [
    {
      value: 'iris',
      label: 'Iris (built in)',
      hint: 'The 150 Iris flowers, reduced to 2 PCA components and standardised, built in: nothing to download and no sizes to set.',
    },
  ],
};

const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;

function describeSummary(summary: DataSummary, task: Task): string {
  if (summary.dataset === 'cifar10') {
    const fit = task === 'image-classification' ? '' : ' It feeds image classifiers: choose that task to train on it.';
    return `CIFAR-10: ${summary.train.toLocaleString('en')} training and ${summary.test.toLocaleString('en')} test images, ${summary.classes.length} classes.${fit}`;
  }
  const fit = task === 'language-modeling' ? '' : ' It feeds language models: choose that task to train on it.';
  return (
    `WikiText-2: a vocabulary of ${summary.vocabulary.toLocaleString('en')} words; ${summary.train.toLocaleString('en')} training, ` +
    `${summary.validation.toLocaleString('en')} validation and ${summary.test.toLocaleString('en')} test tokens.${fit}`
  );
}

function DropZone({ disabled }: { disabled: boolean }) {
  const { files, inspecting, summary, error } = usePlayground((s) => s.data);
  const task = usePlayground((s) => s.setup.task);
  const { takeFiles } = usePlaygroundActions();
  const input = useRef<HTMLInputElement>(null);
  const [over, setOver] = useState(false);
  const take = (list: FileList | null) => {
    if (!disabled && list && list.length > 0) void takeFiles([...list]);
  };
  const onDrop = (event: DragEvent) => {
    event.preventDefault();
    event.stopPropagation();
    setOver(false);
    take(event.dataTransfer.files);
  };
  return (
    <div
      className={`drop-zone${over ? ' over' : ''}`}
      data-testid="drop-zone"
      onDragOver={(event) => {
        event.preventDefault();
        setOver(true);
      }}
      onDragLeave={() => setOver(false)}
      onDrop={onDrop}
    >
      <p>
        Drop <code>cifar-10-binary.tar.gz</code> (or <code>data_batch_1..5.bin</code> with <code>test_batch.bin</code>), or WikiText-2&apos;s{' '}
        <code>wikitext-2-v1.zip</code>, here, or{' '}
        <button type="button" className="secondary" disabled={disabled} onClick={() => input.current?.click()}>
          choose files
        </button>
      </p>
      <input
        ref={input}
        type="file"
        multiple
        hidden
        data-testid="file-input"
        accept=".gz,.tgz,.bin,.zip,.tokens,.raw"
        onChange={(event) => {
          take(event.target.files);
          event.target.value = '';
        }}
      />
      {files.length > 0 && (
        <p className="muted" data-testid="dropped-files">
          {files.map((file) => `${file.name} (${mib(file.size)})`).join(', ')}
        </p>
      )}
      {inspecting && <p role="status">Checking the files…</p>}
      {summary && (
        <p className="ok" data-testid="data-summary">
          {describeSummary(summary, task)}
        </p>
      )}
      {error && (
        <p className="alert" role="alert" data-testid="data-error">
          {error}
        </p>
      )}
    </div>
  );
}

function DownloadProgress() {
  const progress = usePlayground((s) => s.data.progress);
  const entries = Object.entries(progress).filter(([, p]) => p.total > 0 && p.loaded < p.total);
  if (entries.length === 0) return null;
  return (
    <ul className="downloads" aria-label="Downloads">
      {entries.map(([label, p]) => (
        <li key={label}>
          <label>
            {label} ({mib(p.loaded)} of {mib(p.total)})
            <progress max={p.total} value={p.loaded} />
          </label>
        </li>
      ))}
    </ul>
  );
}

/** Where the training data comes from: built in, streamed shards, the Hub, or the user's own files. */
/** For a setup with `embeddings: { from: gpt1 }` (the paper's configs): where GPT-1's tables come from, and a local model.safetensors to read instead. */
function PretrainedEmbeddings() {
  const embeddings = usePlayground((s) => s.setup.embeddings);
  const file = usePlayground((s) => s.data.embeddingsFile);
  const { takeEmbeddingsFile } = usePlaygroundActions();
  if (!embeddings) return null;
  const source = embeddings.url ?? "GPT-1's model.safetensors on the Hugging Face Hub (openai-community/openai-gpt)";
  return (
    <div data-testid="pretrained-embeddings">
      <p className="muted">
        GPT-1's token and position embeddings go into the model before training:{' '}
        {file ? `from ${file.name}, on this computer` : `read from ${source} by range requests (about 125 MB once, then cached)`}.
      </p>
      <label>
        Or drop a local model.safetensors on the page, or pick it
        <input type="file" accept=".safetensors" onChange={(event) => takeEmbeddingsFile(event.target.files?.[0] ?? null)} />
      </label>
      {file && (
        <button type="button" className="secondary" onClick={() => takeEmbeddingsFile(null)}>
          Read from the URL again
        </button>
      )}
    </div>
  );
}

export function DataPanel({ disabled }: { disabled: boolean }) {
  const data = usePlayground((s) => s.setup.data);
  const choices = CHOICES[usePlayground((s) => s.setup.task)];
  const { updateDataSetup } = usePlaygroundActions();
  return (
    <fieldset className="data-panel" disabled={disabled}>
      <legend>Data</legend>
      <div className="row" role="radiogroup" aria-label="Data source">
        {choices.map((choice) => (
          <label key={choice.value} className="choice" title={choice.hint}>
            <input
              type="radio"
              name="data-source"
              value={choice.value}
              checked={data.choice === choice.value}
              onChange={() => updateDataSetup({ choice: choice.value })}
            />
            {choice.label}
          </label>
        ))}
      </div>
      <p className="muted">{choices.find((choice) => choice.value === data.choice)!.hint}</p>
      {data.choice === 'shards' && (
        <label>
          Manifest URL (same site, or a host that allows CORS)
          <input type="url" data-testid="manifest-url" value={data.shardsUrl} onChange={(e) => updateDataSetup({ shardsUrl: e.target.value })} />
        </label>
      )}
      {data.choice === 'huggingface' && (
        <label>
          Hub base URL (or a mirror)
          <input type="url" data-testid="hub-url" value={data.hubUrl} onChange={(e) => updateDataSetup({ hubUrl: e.target.value })} />
        </label>
      )}
      {data.choice === 'files' && <DropZone disabled={disabled} />}
      <PretrainedEmbeddings />
      <DownloadProgress />
    </fieldset>
  );
}
