// The command line of `npm run train`: the config file with its overrides, where the outputs go,
// and the local files (datasets, shards, initial weights) the headless page may fetch.

import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { parse as parseYaml } from 'yaml';
import { parseRunConfig, type RunConfig } from '../../src/engine/config/run-config';
import { MANIFEST_FILE } from '../../src/engine/data/manifest';
import { LOCAL_FILES_PREFIX } from '../headless/session';

export const TRAIN_HELP = `Usage: npm run train -- --config FILE.yaml [options]

Trains every run of a YAML config in headless Chromium with WebGPU and writes, per run,
metrics.csv, summary.json and final.safetensors (PyTorch state_dict names). A config with a
landscape section also writes, once for all its runs, trajectories.csv (every snapshot on
the plane), landscape.json (the plane and the loss grid) and landscape.safetensors (the
centre and both directions as center.*, dir_x.* and dir_y.*).

Options:
  --config FILE      run configuration (see configs/); required
  --steps N          train for N steps (overrides the config's steps and epochs)
  --batch N          batch size (overrides the config's batch_size)
  --out DIR          output folder (default runs/<config name>); a config with several runs
                     writes one subfolder per run
  --init FILE        start every run from these weights (.safetensors of the same model)
  --embeddings FILE  GPT-1's model.safetensors for the config's embeddings: { from: gpt1 },
                     read from FILE instead of the Hugging Face Hub
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

export class UsageError extends Error {}

export interface TrainOptions {
  config: RunConfig;
  configName: string;
  out: string;
  files: Map<string, string>;
  folders: Map<string, string>;
  init: string | null;
  embeddings: string | null;
}

/** The folder name shards are served under, at /__local-files/<name>/. */
const SHARD_FOLDER = 'shards';
/** The name --init's weights are served under, at /__local-files/<name>. */
export const INIT_FILE = 'init.safetensors';
/** The name --embeddings' file is served under. */
export const EMBEDDINGS_FILE = 'gpt1-model.safetensors';

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
  const manifest = statSync(data).isDirectory() ? join(data, MANIFEST_FILE) : basename(data) === MANIFEST_FILE ? data : null;
  if (manifest && existsSync(manifest)) {
    folders.set(SHARD_FOLDER, resolve(manifest, '..'));
    return { from: 'shards', url: `${LOCAL_FILES_PREFIX}${SHARD_FOLDER}/${MANIFEST_FILE}` };
  }
  if (statSync(data).isDirectory()) {
    for (const name of readdirSync(data)) if (/\.(bin|tokens|raw)$/.test(name)) files.set(name, resolve(data, name));
    if (files.size === 0) {
      throw new UsageError(
        `--data ${data} holds no ${MANIFEST_FILE} and no dataset files (expected the output of \`npm run data\`, CIFAR-10's data_batch_1..5.bin and test_batch.bin, or WikiText-2's wiki.*.tokens)`,
      );
    }
  } else {
    files.set(basename(data), resolve(data));
  }
  return { from: 'files' };
}

/** null for --help; throws UsageError (or ConfigError, for the config itself) on anything else wrong. */
export function parseTrainArgs(argv: string[]): TrainOptions | null {
  const { values } = parseArgs({
    args: argv,
    options: {
      config: { type: 'string' },
      steps: { type: 'string' },
      batch: { type: 'string' },
      out: { type: 'string' },
      init: { type: 'string' },
      embeddings: { type: 'string' },
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
  if (values.init) files.set(INIT_FILE, resolve(values.init));
  if (values.embeddings && !config.embeddings) throw new UsageError('--embeddings needs a config with embeddings: { from: gpt1 } (the tables it reads)');
  if (values.embeddings && !existsSync(values.embeddings)) throw new UsageError(`--embeddings not found: ${values.embeddings}`);
  if (values.embeddings) files.set(EMBEDDINGS_FILE, resolve(values.embeddings));
  const configName = basename(values.config).replace(/\.ya?ml$/i, '');
  if (config.data.source !== 'synthetic' && config.data.from === 'files' && files.size === 0) {
    throw new UsageError(`The config reads ${config.data.source} from files: pass --data with the official archive or the folder of its files`);
  }
  return { config, configName, out: values.out ?? join('runs', configName), files, folders, init: values.init ?? null, embeddings: values.embeddings ?? null };
}
