// The page's setup and the run-config format the command line reads: one is the other, so a
// setup exports as a YAML config, imports from one, and travels in a link. No React here.

import { DEFAULT_HF_BASE_URL, defaultManifestUrl, parseRunConfig, type RunConfig, type RunSpec } from '../engine/config/run-config';

type DataConfig = RunConfig['data'];
import { DEFAULT_RUNS, DEFAULT_TEXT_RUNS } from './default-runs';

export type Task = 'image-classification' | 'language-modeling';

export const TASK_MODELS: Record<Task, string[]> = {
  'image-classification': ['cnn-small', 'resnet-mini'],
  'language-modeling': ['gpt1-tiny', 'gpt1-paper'],
};

/** The dataset behind "shards", "huggingface" and "files" for each task. */
export const TASK_DATASET: Record<Task, 'cifar10' | 'wikitext2'> = { 'image-classification': 'cifar10', 'language-modeling': 'wikitext2' };

/** Where the training data comes from. */
export type DataChoice = 'synthetic' | 'shards' | 'huggingface' | 'files';

export interface DataSetup {
  choice: DataChoice;
  /** Manifest URL for shards. */
  shardsUrl: string;
  /** Hub base URL (or a mirror) for huggingface. */
  hubUrl: string;
  /** The rest of the config's data section as imported (sizes of the built-in sets, augment, shuffle, normalize). */
  options: Partial<Pick<DataConfig, 'train_size' | 'test_size' | 'augment' | 'shuffle' | 'normalize'>>;
}

export interface Setup {
  task: Task;
  model: string;
  batchSize: number;
  /** Training length: `steps` optimizer steps, or `epochs` passes over the training split. */
  length: { unit: 'steps' | 'epochs'; value: number };
  seed: number;
  /** Metrics are read back every this many steps. */
  logEvery: number;
  data: DataSetup;
  /** The runs to train side by side: each an optimizer with its hyperparameters. */
  runs: RunSpec[];
}

/** Small evaluation splits keep each evaluation quick in a browser tab. */
const SYNTHETIC_DATA: Record<Task, DataSetup['options']> = {
  'image-classification': { train_size: 3000, test_size: 500, augment: 'none' },
  'language-modeling': { train_size: 4000, test_size: 60 },
};

export function defaultSetup(task: Task): Setup {
  const text = task === 'language-modeling';
  return {
    task,
    model: TASK_MODELS[task][0],
    batchSize: text ? 8 : 32,
    length: { unit: 'steps', value: text ? 200 : 300 },
    seed: 0,
    logEvery: 5,
    data: { choice: 'synthetic', shardsUrl: defaultManifestUrl(TASK_DATASET[task]), hubUrl: DEFAULT_HF_BASE_URL, options: { ...SYNTHETIC_DATA[task] } },
    // The paper's comparison for each task: AdaFisher and Adam on images, AdaFisherW and AdamW on text.
    runs: text ? DEFAULT_TEXT_RUNS.map(clone) : DEFAULT_RUNS.filter((run) => run.name === 'adafisher' || run.name === 'adam').map(clone),
  };
}

const clone = <T>(value: T): T => structuredClone(value);

/** The run configuration's data section for a setup. */
function dataConfig(setup: Setup): Record<string, unknown> {
  const { data, task } = setup;
  const source = TASK_DATASET[task];
  switch (data.choice) {
    case 'synthetic':
      return { source: 'synthetic', ...data.options };
    // A default URL is left out, as configs/ leave it out.
    case 'shards':
      return { source, from: 'shards', ...(data.shardsUrl === defaultManifestUrl(source) ? {} : { url: data.shardsUrl }), ...data.options };
    case 'huggingface':
      return { source, from: 'huggingface', ...(data.hubUrl === DEFAULT_HF_BASE_URL ? {} : { url: data.hubUrl }), ...data.options };
    case 'files':
      return { source, from: 'files', ...data.options };
  }
}

/** The setup as a run config (the YAML format of configs/), not yet validated. */
export function setupToConfig(setup: Setup): Record<string, unknown> {
  return {
    task: setup.task,
    model: setup.model,
    batch_size: setup.batchSize,
    [setup.length.unit]: setup.length.value,
    seed: setup.seed,
    log_every: setup.logEvery,
    data: dataConfig(setup),
    runs: setup.runs.map(clone),
  };
}

/** A validated run config as a setup; throws ConfigError (with paths and ranges) for an invalid one. */
export function configToSetup(input: unknown): Setup {
  const config: RunConfig = parseRunConfig(input);
  const task = config.task;
  const base = defaultSetup(task);
  const { data } = config;
  const choice: DataChoice = data.source === 'synthetic' ? 'synthetic' : data.from;
  return {
    task,
    model: config.model,
    batchSize: config.batch_size,
    length: config.steps !== undefined ? { unit: 'steps', value: config.steps } : { unit: 'epochs', value: config.epochs! },
    seed: config.seed,
    logEvery: config.log_every,
    data: {
      choice,
      shardsUrl: choice === 'shards' && data.url ? data.url : base.data.shardsUrl,
      hubUrl: choice === 'huggingface' && data.url ? data.url : base.data.hubUrl,
      options: { train_size: data.train_size, test_size: data.test_size, augment: data.augment, shuffle: data.shuffle, normalize: data.normalize },
    },
    runs: config.runs,
  };
}
