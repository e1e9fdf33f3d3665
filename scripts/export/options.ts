// The command line of `npm run export`: the config, the optional starting weights and the
// output folder, with messages that name the flag at fault.

import { existsSync, readFileSync, statSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { parse as parseYaml } from 'yaml';
import { parseRunConfig, type RunConfig } from '../../src/engine/config/run-config';

export const EXPORT_HELP = `Usage: npm run export -- --config FILE.yaml --out DIR [options]

Writes the config's setup as a PyTorch project in DIR: model.py (the preset as an nn.Module
with the playground's state_dict names), config.yaml, init.safetensors (the weights every run
starts from), train.py, data.py and the optimizers, a README with the commands, and the
built-in data (synthetic images or text, Iris) as shard files under data/. Run it with
\`python3 train.py\` or \`torchrun --nproc_per_node=N train.py\`.

Options:
  --config FILE      run configuration (see configs/); required
  --out DIR          the project folder; required (created if missing; files of the same
                     names are replaced)
  --init FILE        start every run from these weights (.safetensors of the same model, e.g.
                     a final.safetensors); by default the trainer's seeded initialisation
  --embeddings FILE  GPT-1's model.safetensors for a config with embeddings: { from: gpt1 }:
                     its token and position tables go into init.safetensors, as the
                     trainer puts them into its starting weights
  --vocabulary N     a language model's vocabulary when its data is WikiText-2 (the size of the
                     shards' vocab.txt); by default GPT-1's 40478 with embeddings: { from: gpt1 },
                     else WikiText-2's 33278
  --help             show this text

Datasets the export cannot carry (CIFAR-10, WikiText-2) are listed, each with the path
where the project expects it and the command that writes it.`;

export class UsageError extends Error {}

export interface ExportOptions {
  config: RunConfig;
  out: string;
  init: string | null;
  embeddings: string | null;
  vocabulary: number | undefined;
}

/** null for --help; throws UsageError (or ConfigError, for the config itself) on anything else wrong. */
export function parseExportArgs(argv: readonly string[]): ExportOptions | null {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        config: { type: 'string' },
        out: { type: 'string' },
        init: { type: 'string' },
        embeddings: { type: 'string' },
        vocabulary: { type: 'string' },
        help: { type: 'boolean' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw new UsageError(`${(error as Error).message}; see npm run export -- --help`);
  }
  if (values.help) return null;
  if (!values.config) throw new UsageError('--config is required (for example --config configs/cnn-small-adafisher.yaml)');
  if (!values.out) throw new UsageError('--out is required: the folder to write the project into (for example --out export/cnn-small)');
  if (!existsSync(values.config)) throw new UsageError(`Config file not found: ${values.config}`);
  if (existsSync(values.out) && !statSync(values.out).isDirectory()) throw new UsageError(`--out ${values.out} is a file; give a folder`);
  if (values.init && !existsSync(values.init)) throw new UsageError(`--init not found: ${values.init}`);
  if (values.embeddings && !existsSync(values.embeddings)) throw new UsageError(`--embeddings not found: ${values.embeddings}`);
  let vocabulary: number | undefined;
  if (values.vocabulary !== undefined) {
    vocabulary = Number(values.vocabulary);
    if (!Number.isInteger(vocabulary) || vocabulary < 2) throw new UsageError(`--vocabulary must be a whole number >= 2, got "${values.vocabulary}"`);
  }
  let raw: unknown;
  try {
    raw = parseYaml(readFileSync(values.config, 'utf8'));
  } catch (error) {
    throw new UsageError(`${values.config} is not valid YAML: ${(error as Error).message}`);
  }
  const config = parseRunConfig(raw);
  if (vocabulary !== undefined && config.task !== 'language-modeling') throw new UsageError('--vocabulary is for language models (task: language-modeling)');
  if (vocabulary !== undefined && config.data.source === 'synthetic') {
    throw new UsageError("--vocabulary is for WikiText-2: the synthetic text's vocabulary comes with the data the export writes");
  }
  if (values.embeddings && !config.embeddings) throw new UsageError('--embeddings needs a config with embeddings: { from: gpt1 } (the tables it reads)');
  if (values.embeddings && values.init) throw new UsageError('--embeddings and --init both set the starting weights: give one');
  return { config, out: values.out, init: values.init ?? null, embeddings: values.embeddings ?? null, vocabulary };
}
