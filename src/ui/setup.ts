// The page's setup and the run-config format the command line reads: one is the other, so a
// setup exports as a YAML config, imports from one, and travels in a link. No React here.

import {
  DEFAULT_HF_BASE_URL,
  defaultManifestUrl,
  landscapeSchema,
  parseRunConfig,
  type EmbeddingsConfig,
  type InspectConfig,
  type LandscapeConfig,
  type ProfileConfig,
  type RunConfig,
  type RunSpec,
} from '../engine/config/run-config';
import { DEFAULT_RUNS, DEFAULT_TABULAR_RUNS, DEFAULT_TEXT_RUNS } from './default-runs';

type DataConfig = RunConfig['data'];

export type Task = RunConfig['task'];

/** Every task, in the order the page lists them. */
export const TASKS: readonly Task[] = ['image-classification', 'language-modeling', 'tabular-classification'];

export const TASK_LABELS: Record<Task, string> = {
  'image-classification': 'Image classification',
  'language-modeling': 'Language modelling',
  'tabular-classification': 'Tabular (Iris)',
};

export const TASK_MODELS: Record<Task, string[]> = {
  'image-classification': ['cnn-small', 'resnet-mini'],
  'language-modeling': ['gpt1-tiny', 'gpt1-paper'],
  'tabular-classification': ['iris-mlp'],
};

/** The dataset behind "shards", "huggingface" and "files" for each task (Iris is only built in). */
export const TASK_DATASET: Record<Task, 'cifar10' | 'wikitext2' | 'iris'> = {
  'image-classification': 'cifar10',
  'language-modeling': 'wikitext2',
  'tabular-classification': 'iris',
};

/** Where the training data comes from: generated here, the built-in Iris table, streamed shards, the Hub, or the user's files. */
export type DataChoice = 'synthetic' | 'iris' | 'shards' | 'huggingface' | 'files';

export interface DataSetup {
  choice: DataChoice;
  /** Manifest URL for shards. */
  shardsUrl: string;
  /** Hub base URL (or a mirror) for huggingface. */
  hubUrl: string;
  /** The rest of the config's data section as imported (sizes of the built-in sets, augment, shuffle, normalize). */
  options: Partial<Pick<DataConfig, 'train_size' | 'test_size' | 'augment' | 'shuffle' | 'normalize'>>;
}

/** Starting values that replace the initialisation of named parameters (the config's `init`). */
export type InitOverrides = NonNullable<RunConfig['init']>;

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
  /** Parameters that start from given values instead of their initialisation; the page keeps them as imported. */
  init: InitOverrides | undefined;
  /** The runs to train side by side: each an optimizer with its hyperparameters (and, optionally, its colour). */
  runs: RunSpec[];
  /** The loss landscape of the runs (the config's `landscape` section), or undefined for a config without one. */
  landscape: LandscapeConfig | undefined;
  /** The config's inspect section as imported (the Inspector panel's own choices are not written here); absent in the default setups. */
  inspect?: InspectConfig;
  /** The config's profile section as imported (steps profiled by the config, besides the page's "Profile a step"); absent in the default setups. */
  profile?: ProfileConfig;
  /** The config's pretrained embeddings (GPT-1's tables for the paper's runs), as imported; absent in the default setups. */
  embeddings?: EmbeddingsConfig;
}

/** Small evaluation splits keep each evaluation quick in a browser tab; Iris has its 150 flowers and nothing to size. */
const BUILT_IN_DATA: Record<Task, DataSetup['options']> = {
  'image-classification': { train_size: 3000, test_size: 500, augment: 'none' },
  'language-modeling': { train_size: 4000, test_size: 60 },
  'tabular-classification': {},
};

/** The two weights of the seed's Iris figure: fc1's weights from the first and second input. */
export const IRIS_PLANE_WEIGHTS: [string, string] = ['fc1.weight[0, 0]', 'fc1.weight[0, 1]'];

/**
 * The landscape a task starts with: the schema's defaults (a PCA plane through every run), and
 * for Iris the seed's figure: the plane of fc1's two weights, one snapshot per epoch of 15
 * batches, the loss over all 150 flowers on a 31x31 grid.
 */
export function defaultLandscape(task: Task): LandscapeConfig {
  if (task === 'tabular-classification')
    return landscapeSchema.parse({ plane: 'weights', weights: IRIS_PLANE_WEIGHTS, snapshot_every: 15, grid: 31, eval_size: 150 });
  return landscapeSchema.parse({});
}

const TASK_RUNS: Record<Task, () => RunSpec[]> = {
  // The paper's comparison for each task: AdaFisher and Adam on images, AdaFisherW and AdamW on text.
  'image-classification': () => DEFAULT_RUNS.filter((run) => run.name === 'adafisher' || run.name === 'adam').map(clone),
  'language-modeling': () => DEFAULT_TEXT_RUNS.map(clone),
  // The seed's figure: AdaFisher (black) and Adam (cyan) at lr 1e-3.
  'tabular-classification': () => DEFAULT_TABULAR_RUNS.map(clone),
};

export function defaultSetup(task: Task): Setup {
  switch (task) {
    case 'tabular-classification':
      // The seed's Iris experiment: batches of 10 (15 steps an epoch), 20 epochs, one logged point per epoch, fc1.weight from (0.2, 0.2).
      return {
        task,
        model: TASK_MODELS[task][0],
        batchSize: 10,
        length: { unit: 'epochs', value: 20 },
        seed: 0,
        logEvery: 15,
        data: { choice: 'iris', shardsUrl: defaultManifestUrl(TASK_DATASET[task]), hubUrl: DEFAULT_HF_BASE_URL, options: {} },
        init: { 'fc1.weight': [0.2, 0.2] },
        runs: TASK_RUNS[task](),
        landscape: defaultLandscape(task),
      };
    case 'image-classification':
    case 'language-modeling': {
      const text = task === 'language-modeling';
      return {
        task,
        model: TASK_MODELS[task][0],
        batchSize: text ? 8 : 32,
        length: { unit: 'steps', value: text ? 200 : 300 },
        seed: 0,
        logEvery: 5,
        data: { choice: 'synthetic', shardsUrl: defaultManifestUrl(TASK_DATASET[task]), hubUrl: DEFAULT_HF_BASE_URL, options: { ...BUILT_IN_DATA[task] } },
        init: undefined,
        runs: TASK_RUNS[task](),
        landscape: defaultLandscape(task),
      };
    }
  }
}

const clone = <T>(value: T): T => structuredClone(value);

/** The run configuration's data section for a setup. */
function dataConfig(setup: Setup): Record<string, unknown> {
  const { data, task } = setup;
  const source = TASK_DATASET[task];
  switch (data.choice) {
    case 'synthetic':
      return { source: 'synthetic', ...data.options };
    case 'iris':
      return { source: 'iris', ...data.options };
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
    ...(setup.init ? { init: clone(setup.init) } : {}),
    data: dataConfig(setup),
    runs: setup.runs.map(clone),
    ...(setup.landscape ? { landscape: schemaOrder(clone(setup.landscape)) } : {}),
    ...(setup.inspect ? { inspect: clone(setup.inspect) } : {}),
    ...(setup.profile ? { profile: clone(setup.profile) } : {}),
    ...(setup.embeddings ? { embeddings: clone(setup.embeddings) } : {}),
  };
}

/** The landscape's keys in the schema's order (as docs and configs/ list them), whatever order edits left them in. */
function schemaOrder(landscape: LandscapeConfig): LandscapeConfig {
  const entries = Object.keys(landscapeSchema.shape).flatMap((key) => (key in landscape ? [[key, landscape[key as keyof LandscapeConfig]]] : []));
  return Object.fromEntries(entries) as LandscapeConfig;
}

function dataChoice(data: DataConfig): DataChoice {
  if (data.source === 'synthetic' || data.source === 'iris') return data.source;
  return data.from;
}

/** A validated run config as a setup; throws ConfigError (with paths and ranges) for an invalid one. */
export function configToSetup(input: unknown): Setup {
  const config: RunConfig = parseRunConfig(input);
  const task = config.task;
  const base = defaultSetup(task);
  const { data } = config;
  const choice = dataChoice(data);
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
    init: config.init,
    runs: config.runs,
    landscape: config.landscape,
    ...(config.inspect ? { inspect: config.inspect } : {}),
    ...(config.profile ? { profile: config.profile } : {}),
    ...(config.embeddings ? { embeddings: config.embeddings } : {}),
  };
}

/**
 * The setup with new runs. The landscape's centre run follows a rename (the same list with one
 * run's name changed) and falls back to the first run when its run is removed.
 */
export function withRuns(setup: Setup, runs: RunSpec[]): Pick<Setup, 'runs' | 'landscape'> {
  const center = setup.landscape?.center_run;
  if (!setup.landscape || center === undefined || runs.some((run) => run.name === center)) return { runs, landscape: setup.landscape };
  const index = setup.runs.findIndex((run) => run.name === center);
  const renamed = runs.length === setup.runs.length && index >= 0 ? runs[index].name : undefined;
  const landscape = { ...setup.landscape };
  if (renamed === undefined) delete landscape.center_run;
  else landscape.center_run = renamed;
  return { runs, landscape };
}

/** The landscape with `enabled` switched: turned on for the first time it takes the task's defaults, turned off it keeps its settings. */
export function toggledLandscape(setup: Setup, enabled: boolean): LandscapeConfig {
  return setup.landscape ? { ...setup.landscape, enabled } : { ...defaultLandscape(setup.task), enabled };
}

/**
 * The landscape on another plane. The weights plane needs two parameter names (blank until
 * typed, unless the task suggests some); leaving it drops names that are still blank, so the
 * other planes never fail on them.
 */
export function landscapeOnPlane(landscape: LandscapeConfig, plane: LandscapeConfig['plane'], task: Task): LandscapeConfig {
  if (plane === 'weights') {
    const weights = landscape.weights ?? (task === 'tabular-classification' ? IRIS_PLANE_WEIGHTS : ['', '']);
    return { ...landscape, plane, weights: [...weights] };
  }
  const { weights, ...rest } = landscape;
  return weights && weights.every((name) => name.trim() !== '') ? { ...rest, plane, weights } : { ...rest, plane };
}
