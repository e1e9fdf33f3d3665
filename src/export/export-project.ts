// A setup as a PyTorch project: the files of the exported folder, built without touching a disk
// or the network, so the page (a zip download) and `npm run export` (a folder) share it.
//
//   model.py          the preset as an nn.Module (model-py.ts)
//   config.yaml       the setup with every default filled in, data paths inside the project
//   init.safetensors  the weights every run starts from
//   README.md         the commands, the requirements, the files, and the data to add by hand
//   *.py              the project's static sources (train.py, data.py, the optimizers, ...)
//   data/             built-in data written out (built-in-data.ts)

import { stringify as stringifyYaml } from 'yaml';
import { parseRunConfig, type RunConfig } from '../engine/config/run-config';
import { decodeModelCheckpoint, encodeModelCheckpoint } from '../engine/nn/checkpoint';
import type { ModelGraph } from '../engine/nn/graph';
import { applyInitOverrides, initialParameters, parameterSpecs } from '../engine/nn/parameters';
import { modelPreset } from '../engine/nn/presets';
import { builtInData } from './built-in-data';
import { modelPy } from './model-py';

export type ProjectFiles = Map<string, Uint8Array | string>;

export interface ExportRequest {
  /** The parsed setup (parseRunConfig). */
  readonly config: RunConfig;
  /** The project's static Python sources by file name (src/export/python/*.py). */
  readonly sources: Readonly<Record<string, string>>;
  /**
   * The weights every run starts from, by state_dict name; by default the trainer's own:
   * initialParameters(graph, seed) with the config's init overrides.
   */
  readonly initial?: ReadonlyMap<string, ArrayLike<number>>;
  /** Or the starting weights as a safetensors checkpoint of the model (--init, or a file the page read); refused if it is another model's. */
  readonly initCheckpoint?: { readonly bytes: Uint8Array; readonly name: string };
  /**
   * A language model's vocabulary when the data is not built in (WikiText-2): the model's
   * output width. By default GPT-1's 40,478 with embeddings: { from: gpt1 }, else WikiText-2's word vocabulary.
   */
  readonly vocabulary?: number;
}

export interface ExportedProject {
  readonly files: ProjectFiles;
  readonly graph: ModelGraph;
  /** What the export could not carry, each with the path where the project expects it. */
  readonly warnings: string[];
}

/** GPT-1's BPE vocabulary (40,478 ids, the last <unk>): the size its pretrained token table fits. */
export const GPT1_BPE_VOCABULARY = 40478;

/** Where the project expects a real dataset's shards, from the config's manifest URL (its folder name) or the dataset's name. */
function shardFolder(config: RunConfig): string {
  const url = config.data.from === 'shards' ? config.data.url : undefined;
  const folder = url && !/^[a-z]+:\/\//i.test(url) ? /([^/]+)\/manifest\.json$/.exec(url)?.[1] : undefined;
  if (folder) return `data/${folder}`;
  return config.data.source === 'wikitext2' && config.embeddings ? 'data/wikitext2-gpt1' : `data/${config.data.source}`;
}

/** The command that writes a real dataset's shards into the project. */
function dataCommand(config: RunConfig, folder: string): string {
  const gpt1 =
    config.data.source === 'wikitext2' && (config.embeddings || folder.includes('gpt1')) ? ' --tokenizer gpt1 --vocab vocab.json --merges merges.txt' : '';
  const from = config.data.from === 'files' ? ` --from ${config.data.source === 'cifar10' ? 'cifar-10-binary.tar.gz' : 'wikitext-2-v1.zip'}` : '';
  return `npm run data -- ${config.data.source}${from}${gpt1} --out <project>/${folder}`;
}

/** The data section of the project's config.yaml, and what the person must put in place. */
async function projectData(config: RunConfig, files: ProjectFiles): Promise<{ data: RunConfig['data']; vocabulary?: number; warnings: string[] }> {
  const built = builtInData(config);
  if (built) {
    const data = await built;
    for (const [path, content] of data.files) files.set(path, content);
    return { data: { ...config.data, from: 'shards', url: data.url }, vocabulary: data.vocabulary, warnings: [] };
  }
  // A real dataset: the project reads it from shards in its data/ folder, which only `npm run data` writes.
  const folder = shardFolder(config);
  const how =
    config.data.from === 'files'
      ? `the page read ${config.data.source} from dropped files, which an export cannot carry`
      : config.data.from === 'huggingface'
        ? `the page read ${config.data.source} from the Hugging Face Hub; the project reads shards of the official files instead`
        : `the export does not copy datasets`;
  const warning = `${folder}/manifest.json: ${how}. Write the shards there with \`${dataCommand(config, folder)}\` (or copy the folder \`npm run data\` wrote, e.g. public/${folder}).`;
  return { data: { ...config.data, from: 'shards', url: `${folder}/manifest.json` }, warnings: [warning] };
}

function checkInitial(graph: ModelGraph, initial: ReadonlyMap<string, ArrayLike<number>>): Map<string, Float32Array> {
  const values = new Map<string, Float32Array>();
  const problems: string[] = [];
  const specs = parameterSpecs(graph);
  for (const spec of specs) {
    const given = initial.get(spec.name);
    const size = spec.shape.reduce((a, b) => a * b, 1);
    if (!given) problems.push(`${spec.name} is missing`);
    else if (given.length !== size) problems.push(`${spec.name} has ${given.length} values, expected ${size} ([${spec.shape.join(', ')}])`);
    else values.set(spec.name, given instanceof Float32Array ? given : Float32Array.from(given));
  }
  const known = new Set(specs.map((spec) => spec.name));
  for (const name of initial.keys())
    if (!known.has(name) && !name.endsWith('.num_batches_tracked')) problems.push(`${name} is not a tensor of ${graph.preset}`);
  if (problems.length > 0) throw new Error(`The initial weights are not ${graph.preset}'s:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  return values;
}

/** A checkpoint's values, or an error that names the file and says what is wrong with it. */
function checkpointValues(graph: ModelGraph, file: { readonly bytes: Uint8Array; readonly name: string }): Map<string, Float32Array> {
  try {
    return decodeModelCheckpoint(graph, file.bytes).values;
  } catch (error) {
    throw new Error(`${file.name} cannot start ${graph.preset}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/**
 * YAML 1.1 readers (PyYAML) take 1e-8 for a string: a float there needs a dot in the mantissa
 * and a sign in the exponent. Such numbers are rewritten as 1.0e-8, which YAML 1.2 reads the same.
 */
export function pythonFloats(yaml: string): string {
  return yaml.replace(
    /^(\s*(?:- )?(?:[^\n:]+: )?)(-?\d+)(?:\.(\d+))?e([-+]?)(\d+)$/gm,
    (_, head: string, int: string, fraction: string | undefined, sign: string, exponent: string) => {
      return `${head}${int}.${fraction ?? '0'}e${sign || '+'}${exponent}`;
    },
  );
}

function configYaml(config: RunConfig, graph: ModelGraph): string {
  const header = [
    `# The playground's setup (${graph.preset}, ${config.runs.length} run${config.runs.length === 1 ? '' : 's'}), exported with every default filled in.`,
    '# data.url is the file data.py reads, relative to this folder.',
  ];
  return `${header.join('\n')}\n${pythonFloats(stringifyYaml(config, { lineWidth: 0 }))}`;
}

function readme(config: RunConfig, graph: ModelGraph, sources: Readonly<Record<string, string>>, data: readonly string[], warnings: readonly string[]): string {
  const runs = config.runs.map((run) => `\`${run.name}\` (${run.optimizer.type})`).join(', ');
  const lines = [
    `# ${graph.preset}: the playground's setup as a PyTorch project`,
    '',
    `Trains ${runs} on ${config.data.source} data (batch ${config.batch_size}, ${config.steps !== undefined ? `${config.steps} steps` : `${config.epochs} epochs`}, seed ${config.seed}),`,
    'as the playground does, step for step: the same initial weights, batch order, optimizer arithmetic and schedule.',
    '',
    '## Run',
    '',
    '```sh',
    'python3 train.py                               # one process (CPU, or the GPU when there is one)',
    'torchrun --nproc_per_node=2 train.py           # two processes; each takes its share of every batch',
    '```',
    '',
    'Options: `--config config.yaml`, `--steps N`, `--out DIR`, `--init init.safetensors`.',
    'The outputs (`metrics.csv`, `summary.json`, `final.safetensors`) are laid out as `npm run train` lays them out.',
    'Under torchrun the batch size must divide by the number of processes; gradients are averaged by',
    'DistributedDataParallel (gloo on CPU, NCCL on GPUs).',
    "With Debian 12's python3-torch (torch 1.13 on Python 3.11) torchrun stops before starting a process",
    "(`'NoneType' object has no attribute 'get'`); run `torchrun --redirects 1 --tee 1 --nproc_per_node=2 train.py`.",
    '',
    '## Requirements',
    '',
    'Python 3 with `torch>=1.13`, `numpy` and `pyyaml` (`pip install "torch>=1.13" numpy pyyaml`, or Debian\'s',
    '`python3-torch python3-numpy python3-yaml`).',
    '',
    '## Files',
    '',
    '| File | What it is |',
    '| --- | --- |',
    `| \`model.py\` | ${graph.preset} as an \`nn.Module\`; its state_dict names and shapes are the playground's (\`MODEL_INFO\` lists its layers) |`,
    "| `config.yaml` | the setup: model, data, batch size, steps, and every run's optimizer and schedule |",
    '| `init.safetensors` | the weights every run starts from |',
    ...Object.entries(sources).map(([name, text]) => `| \`${name}\` | ${sourceRole(text)} |`),
    ...data.map((path) => `| \`${path}\` | the built-in data, written out as the playground generates it |`),
  ];
  if (warnings.length > 0) {
    lines.push('', '## Files to add', '', 'The export could not carry these; put them where the project expects them:', '', ...warnings.map((w) => `- ${w}`));
  }
  return `${lines.join('\n')}\n`;
}

/** The README's line for a static source: the first line of its module docstring. */
function sourceRole(source: string): string {
  const line = /^(?:\s*#[^\n]*\n)*\s*(?:"""|''')([^\n]*?)(?:"""|''')?\n/.exec(source)?.[1].trim();
  return line ? line.replace(/\|/g, '\\|') : 'part of the project';
}

/** The vocabulary a language model is built with when its data is not built in. */
function defaultVocabulary(config: RunConfig): number | undefined {
  if (config.task !== 'language-modeling') return undefined;
  return config.embeddings ? GPT1_BPE_VOCABULARY : undefined;
}

/** Every file of the exported project, and what it could not carry. */
export async function exportProject(request: ExportRequest): Promise<ExportedProject> {
  const { config, sources } = request;
  const files: ProjectFiles = new Map();
  const { data, vocabulary, warnings } = await projectData(config, files);
  const dataFiles = [...files.keys()];
  const graph = modelPreset(config.model, vocabulary ?? request.vocabulary ?? defaultVocabulary(config));
  if (config.task === 'language-modeling' && vocabulary === undefined) {
    warnings.push(
      `model.py and init.safetensors: built for a vocabulary of ${graph.classes} tokens; the data in ${data.url} must have as many (export again with the data's vocabulary if not).`,
    );
  }
  const given = request.initCheckpoint ? checkpointValues(graph, request.initCheckpoint) : request.initial;
  if (config.embeddings && !given) {
    warnings.push(
      "init.safetensors: holds N(0, 0.02) token and position tables, not GPT-1's pretrained ones; export with --embeddings model.safetensors (GPT-1's), or from the page with that file given.",
    );
  }
  // As the trainer: the config's init overrides go on top of the given weights or the seeded initialisation.
  const initial = checkInitial(graph, applyInitOverrides(graph, given ?? initialParameters(graph, config.seed), config.init ?? {}));
  const exported = parseRunConfig({ ...config, data });
  const sourceNames = Object.keys(sources).sort();
  for (const name of sourceNames) files.set(name, sources[name]);
  files.set('model.py', modelPy(graph));
  files.set('config.yaml', configYaml(exported, graph));
  files.set('init.safetensors', encodeModelCheckpoint(graph, { values: initial, numBatchesTracked: 0 }, { exported_from: 'playground' }));
  const dataSummary = [...new Set(dataFiles.map((path) => `${path.split('/').slice(0, 2).join('/')}/`))];
  files.set('README.md', readme(exported, graph, Object.fromEntries(sourceNames.map((name) => [name, sources[name]])), dataSummary, warnings));
  return { files, graph, warnings };
}
