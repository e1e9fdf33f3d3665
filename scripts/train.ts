// npm run train -- --config configs/NAME.yaml [--steps N] [--out DIR] [--init FILE.safetensors] [--data DIR_OR_ARCHIVE]
// Trains in headless Chromium with WebGPU, the same engine and worker as the page, and writes
// metrics.csv, summary.json and final.safetensors.

import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { parse as parseYaml } from 'yaml';
import { ConfigError, parseRunConfig, type RunConfig } from '../src/engine/config/run-config';
import type { EvaluationRow, MetricsRow, RunSummary, TrainerEvent } from '../src/engine/train/events';
import type { RelayedMessage } from '../src/headless/headless-page';
import type { DataFile, TrainRequest } from '../src/worker/protocol';
import { metricsCsv } from '../src/engine/train/metrics-csv';
import { LOCAL_FILES_PREFIX, openHeadlessSession } from './headless/session';

const HELP = `Usage: npm run train -- --config FILE.yaml [options]

Trains every run of a YAML config in headless Chromium with WebGPU and writes, per run,
metrics.csv, summary.json and final.safetensors (PyTorch state_dict names).

Options:
  --config FILE      run configuration (see configs/); required
  --steps N          train for N steps (overrides the config's steps and epochs)
  --batch N          batch size (overrides the config's batch_size)
  --out DIR          output folder (default runs/<config name>); a config with several runs
                     writes one subfolder per run
  --init FILE        start every run from these weights (.safetensors of the same model)
  --data PATH|URL    the real dataset of the config's task (CIFAR-10 for image
                     classification, WikiText-2 for language modelling), from:
                       a manifest.json written by \`npm run data\` (or its folder),
                       streamed shard by shard with hash checks;
                       an http(s) URL of such a manifest (another host must allow CORS);
                       the official files: cifar-10-binary.tar.gz or a folder with
                       data_batch_1..5.bin and test_batch.bin; wikitext-2-v1.zip or a
                       folder with wiki.train.tokens, wiki.valid.tokens, wiki.test.tokens.
                     Without --data, the config's data section decides: a cifar10 or
                     wikitext2 config reads data.url, by default the shards in
                     public/data/<dataset> (run \`npm run data -- <dataset>\` once).
  --help             show this text

The browser is found through CHROME_PATH, then /usr/bin/chromium and Chrome's usual paths.`;

class UsageError extends Error {}

interface Options {
  config: RunConfig;
  configName: string;
  out: string;
  files: Map<string, string>;
  folders: Map<string, string>;
  init: string | null;
}

/** The folder name shards are served under, at /__local-files/<name>/. */
const SHARD_FOLDER = 'shards';

function withData(raw: unknown, data: object): unknown {
  const source = (raw as { task?: unknown }).task === 'language-modeling' ? 'wikitext2' : 'cifar10';
  return { ...(raw as object), data: { ...((raw as { data?: object }).data ?? {}), source, ...data } };
}

/**
 * What --data names: a manifest (local or remote) to stream, or the official files to read
 * whole. Registers the local paths the page will fetch.
 */
function dataOverride(data: string, files: Map<string, string>, folders: Map<string, string>): object {
  if (/^https?:\/\//i.test(data)) return { from: 'shards', url: data };
  if (!existsSync(data)) throw new UsageError(`--data not found: ${data}`);
  const manifest = statSync(data).isDirectory() ? join(data, 'manifest.json') : basename(data) === 'manifest.json' ? data : null;
  if (manifest && existsSync(manifest)) {
    folders.set(SHARD_FOLDER, resolve(manifest, '..'));
    return { from: 'shards', url: `${LOCAL_FILES_PREFIX}${SHARD_FOLDER}/manifest.json` };
  }
  if (statSync(data).isDirectory()) {
    for (const name of readdirSync(data)) if (/\.(bin|tokens|raw)$/.test(name)) files.set(name, resolve(data, name));
    if (files.size === 0) {
      throw new UsageError(
        `--data ${data} holds no manifest.json and no dataset files (expected the output of \`npm run data\`, CIFAR-10's data_batch_1..5.bin and test_batch.bin, or WikiText-2's wiki.*.tokens)`,
      );
    }
  } else {
    files.set(basename(data), resolve(data));
  }
  return { from: 'files' };
}

function readOptions(argv: string[]): Options | null {
  const { values } = parseArgs({
    args: argv,
    options: {
      config: { type: 'string' },
      steps: { type: 'string' },
      batch: { type: 'string' },
      out: { type: 'string' },
      init: { type: 'string' },
      data: { type: 'string' },
      help: { type: 'boolean' },
    },
    strict: true,
  });
  if (values.help) return null;
  if (!values.config) throw new UsageError('--config is required (for example --config configs/cnn-small-adafisher.yaml)');
  if (!existsSync(values.config)) throw new UsageError(`Config file not found: ${values.config}`);
  let raw: unknown;
  try {
    raw = parseYaml(readFileSync(values.config, 'utf8'));
  } catch (error) {
    throw new UsageError(`${values.config} is not valid YAML: ${(error as Error).message}`);
  }
  if (values.steps !== undefined) {
    const steps = Number(values.steps);
    if (!Number.isInteger(steps) || steps < 1) throw new UsageError(`--steps must be a positive whole number, got "${values.steps}"`);
    raw = { ...(raw as object), steps, epochs: undefined };
  }
  if (values.batch !== undefined) {
    const batch = Number(values.batch);
    if (!Number.isInteger(batch) || batch < 1) throw new UsageError(`--batch must be a positive whole number, got "${values.batch}"`);
    raw = { ...(raw as object), batch_size: batch };
  }
  const files = new Map<string, string>();
  const folders = new Map<string, string>();
  if (values.data) raw = withData(raw, dataOverride(values.data, files, folders));
  const config = parseRunConfig(raw);
  if (values.init && !existsSync(values.init)) throw new UsageError(`--init not found: ${values.init}`);
  if (values.init) files.set('init.safetensors', resolve(values.init));
  const configName = basename(values.config).replace(/\.ya?ml$/i, '');
  if (config.data.source !== 'synthetic' && config.data.from === 'files' && files.size === 0) {
    throw new UsageError(`The config reads ${config.data.source} from files: pass --data with the official archive or the folder of its files`);
  }
  return { config, configName, out: values.out ?? join('runs', configName), files, folders, init: values.init ?? null };
}

function describeEvaluation(row: EvaluationRow): string {
  const parts: string[] = [];
  if (row.val_perplexity !== undefined) parts.push(`validation perplexity ${row.val_perplexity.toFixed(2)}`);
  if (row.test_perplexity !== undefined) parts.push(`test perplexity ${row.test_perplexity.toFixed(2)}`);
  else if (row.test_loss !== undefined && row.test_accuracy !== undefined) parts.push(`test loss ${row.test_loss.toFixed(4)}  accuracy ${(100 * row.test_accuracy).toFixed(2)}%`);
  return parts.join('  ');
}

/** The page's own message, without Playwright's "page.evaluate: Error:" prefix and the page's stack. */
function pageErrorMessage(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.replace(/^page\.evaluate: (Error: )?/, '').replace(/\n\s+at [\s\S]*$/, '');
}

const slug = (name: string) => name.replace(/[^A-Za-z0-9._-]+/g, '-');

async function main(): Promise<number> {
  const options = readOptions(process.argv.slice(2));
  if (!options) {
    console.log(HELP);
    return 0;
  }
  const { config } = options;
  const rows = new Map<string, MetricsRow[]>(config.runs.map((run) => [run.name, []]));
  const summaries: RunSummary[] = [];
  const checkpoints = new Map<string, Buffer>();
  const dataErrors: string[] = [];
  let totalSteps = 0;
  const runDir = (run: string) => (config.runs.length === 1 ? options.out : join(options.out, slug(run)));
  const write = () => {
    for (const run of config.runs) {
      mkdirSync(runDir(run.name), { recursive: true });
      writeFileSync(join(runDir(run.name), 'metrics.csv'), metricsCsv(rows.get(run.name)!, config.task));
    }
  };

  const onEvent = (event: TrainerEvent) => {
    switch (event.type) {
      case 'metrics': {
        rows.get(event.run)!.push(event.row);
        const { step, train_loss, train_accuracy, lr, ms_per_step } = event.row;
        const eta = ((totalSteps - step) * ms_per_step * config.runs.length) / 1000;
        console.log(`[${event.run}] step ${step}/${totalSteps}  loss ${train_loss.toFixed(4)}  acc ${(100 * train_accuracy).toFixed(1)}%  lr ${lr.toExponential(2)}  ${ms_per_step.toFixed(1)} ms/step  eta ${eta.toFixed(0)} s`);
        break;
      }
      case 'evaluation': {
        const list = rows.get(event.run)!;
        const last = list.at(-1);
        const { step, epoch, ...evaluation } = event.row;
        if (last && last.step === step) Object.assign(last, evaluation);
        console.log(`[${event.run}] evaluation after step ${step} (epoch ${epoch + 1}): ${describeEvaluation(event.row)}`);
        write();
        break;
      }
      case 'run-state':
        if (event.message) console.log(`[${event.run}] ${event.state}: ${event.message}`);
        break;
      case 'data-error':
        dataErrors.push(event.message);
        console.error(`error: the data failed before step ${event.step + 1}, so training stopped; what was recorded is kept.\n${event.message}`);
        break;
      case 'finished':
        summaries.push(...event.summaries);
        break;
      default:
        break;
    }
  };

  const session = await openHeadlessSession({
    files: options.files,
    folders: options.folders,
    onReport: (message) => {
      const response = message as RelayedMessage;
      if (response.type === 'trainer-event') {
        onEvent(response.event);
      } else if (response.type === 'training-started') {
        totalSteps = response.totalSteps;
        console.log(`Training ${response.runs.join(', ')} on ${config.model} for ${totalSteps} steps (${response.stepsPerEpoch} per epoch) on ${response.adapter.vendor} ${response.adapter.architecture}`.trim());
      } else if (response.type === 'checkpoint-export') checkpoints.set(response.run, Buffer.from(response.bytes, 'base64'));
      else if (response.type === 'data-progress' && response.total && response.loaded === response.total) console.log(`Loaded ${response.label} (${(response.total / 2 ** 20).toFixed(2)} MiB)`);
    },
    onPageError: (message) => console.error(`[page] ${message}`),
  });
  try {
    const data: DataFile[] = [...options.files.keys()].filter((name) => name !== 'init.safetensors').map((name) => ({ name, url: session.fileUrl(name) }));
    const request: TrainRequest = {
      type: 'train',
      config,
      files: data,
      init: options.init ? { name: 'init.safetensors', url: session.fileUrl('init.safetensors') } : undefined,
      onDataError: 'stop',
    };
    await session.page.evaluate((r) => window.playgroundHeadless.train(r), request).catch((error: unknown) => {
      throw new Error(pageErrorMessage(error));
    });
  } finally {
    write();
    for (const summary of summaries) writeFileSync(join(runDir(summary.run), 'summary.json'), JSON.stringify(summary, null, 2) + '\n');
    for (const [run, bytes] of checkpoints) writeFileSync(join(runDir(run), 'final.safetensors'), bytes);
    await session.close();
  }
  for (const summary of summaries) {
    const test =
      summary.test_perplexity !== null
        ? `validation perplexity ${summary.val_perplexity?.toFixed(2)}, test perplexity ${summary.test_perplexity.toFixed(2)}`
        : `test accuracy ${summary.test_accuracy === null ? 'n/a' : `${(100 * summary.test_accuracy).toFixed(2)}%`}`;
    console.log(`[${summary.run}] ${summary.state}: loss ${summary.train_loss_first?.toFixed(4)} -> ${summary.train_loss_last?.toFixed(4)}, ${test}, median ${summary.ms_per_step_median?.toFixed(1)} ms/step -> ${runDir(summary.run)}`);
  }
  const failed = summaries.filter((s) => s.state === 'failed' || s.state === 'device-lost');
  return failed.length || dataErrors.length ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof ConfigError || error instanceof UsageError) console.error(`error: ${error.message}\nRun with --help for the options.`);
    else console.error(`error: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
