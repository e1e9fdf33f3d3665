// What the schema cannot check alone, because it needs the model, the data or the adapter:
// checked when a session is created, so a bad landscape is refused before any step is
// trained. Every problem is reported at once, each naming its field, the allowed range and
// the value given.

import { ConfigError, LANDSCAPE_MAX_EVAL_SIZE, type RunConfig } from '../config/run-config';
import { BYTES_PER_ELEMENT } from '../gpu/tensor';
import { flatLayout } from '../gpu/flat-buffer';
import type { ModelGraph } from '../nn/graph';
import { parameterSpecs } from '../nn/parameters';
import { parseWeightReference, type WeightReference } from './weight-reference';

export interface LandscapeLimits {
  /** Examples (language models: sequences) in the training split the evaluation set is drawn from. */
  trainExamples: number;
  /** GPU bytes of one snapshot of one run: its whole flat parameter buffer, alignment padding included (see bytesPerSnapshot). */
  snapshotBytesPerRun: number;
  /** GPU bytes all snapshots may take: budget_mb in bytes, or what "auto" chose for this adapter. */
  budgetBytes: number;
}

/** The bytes one snapshot copies: the run's flat buffer of trained parameters, laid out as the model lays it out (each tensor starting at `alignmentBytes`). */
export function bytesPerSnapshot(graph: ModelGraph, alignmentBytes: number): number {
  const trainable = parameterSpecs(graph).filter((spec) => spec.trainable);
  return flatLayout(trainable, alignmentBytes).totalElements * BYTES_PER_ELEMENT;
}

const MIB = 2 ** 20;

/** A MiB figure rounded up to three significant digits, so that a budget of that many MiB is enough. */
function mibAtLeast(bytes: number): string {
  const mib = bytes / MIB;
  const step = 10 ** (Math.floor(Math.log10(mib)) - 2);
  return String(Number((Math.ceil(mib / step - 1e-9) * step).toPrecision(3)));
}

const mibAbout = (bytes: number) => String(Number((bytes / MIB).toPrecision(3)));

/**
 * Checks a config's landscape section against the model and the limits of this session and
 * returns the two parameters of a weights plane (null for the other planes). Named weights are
 * checked whatever the plane, since the page can switch to them. Throws one ConfigError
 * listing every problem. A disabled or absent section passes.
 */
export function validateLandscape(config: RunConfig, graph: ModelGraph, limits: LandscapeLimits): [WeightReference, WeightReference] | null {
  const landscape = config.landscape;
  if (!landscape?.enabled) return null;
  const problems: string[] = [];

  let weights: [WeightReference, WeightReference] | null = null;
  if (landscape.weights) {
    const specs = parameterSpecs(graph);
    const parsed = landscape.weights.map((text, k) => {
      try {
        return parseWeightReference(text, specs, `landscape.weights[${k}]`);
      } catch (error) {
        if (!(error instanceof ConfigError)) throw error;
        problems.push(...error.problems);
        return null;
      }
    });
    const [x, y] = parsed;
    if (x && y && x.name === y.name && x.index === y.index) {
      problems.push(`landscape.weights: must be two different parameters, but both name ${x.label} (got ${JSON.stringify(landscape.weights)})`);
    } else if (x && y && landscape.plane === 'weights') weights = [x, y];
  }

  // Thinning halves a full share, keeping the start and the latest snapshot: each run needs room for two.
  const needed = 2 * config.runs.length * limits.snapshotBytesPerRun;
  if (limits.budgetBytes < needed) {
    const given = landscape.budget_mb === 'auto' ? `"auto", ${mibAbout(limits.budgetBytes)} MiB on this adapter` : String(landscape.budget_mb);
    const runs = config.runs.length === 1 ? 'the run' : `each of the ${config.runs.length} runs`;
    problems.push(
      `landscape.budget_mb: must be at least ${mibAtLeast(needed)} MiB, room for two snapshots of ${runs} (${limits.snapshotBytesPerRun} bytes each) (got ${given})`,
    );
  }

  if (landscape.eval_size !== 'auto' && landscape.eval_size > limits.trainExamples) {
    const most = Math.min(limits.trainExamples, LANDSCAPE_MAX_EVAL_SIZE);
    problems.push(
      `landscape.eval_size: must be "auto" or a whole number in 1..${most}, as the training data has ${limits.trainExamples} examples (got ${landscape.eval_size})`,
    );
  }

  if (problems.length) throw new ConfigError(problems);
  return weights;
}
