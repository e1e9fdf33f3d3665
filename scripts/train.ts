// npm run train -- --config configs/NAME.yaml [--steps N] [--out DIR] [--init FILE.safetensors] [--data DIR_OR_ARCHIVE]
// Trains in headless Chromium with WebGPU, the same engine and worker as the page, and writes
// metrics.csv, summary.json and final.safetensors; with a landscape section also
// trajectories.csv, landscape.json and landscape.safetensors (docs/landscape.md); with an inspect
// section, per run, factors.safetensors, frequency.safetensors and inspect.json (docs/adafisher-inspector.md);
// with a profile section, per run, profile.json (docs/performance.md).

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../src/engine/config/run-config';
import type { InspectionRecord } from '../src/engine/inspect/inspect-types';
import type { LandscapeFrame } from '../src/engine/landscape/landscape-frame';
import { landscapeJson, trajectoriesCsv } from '../src/engine/landscape/landscape-files';
import type { StepProfile } from '../src/engine/gpu/step-profile';
import type { MetricsRow, RunSummary, TrainerEvent } from '../src/engine/train/events';
import type { FirstStepBreakdown } from '../src/engine/train/first-step';
import { metricsCsv } from '../src/engine/train/metrics-csv';
import type { RelayedMessage } from '../src/headless/headless-page';
import type { DataFile, TrainRequest } from '../src/worker/protocol';
import { unhandledMessage } from '../src/worker/unhandled-message';
import { openHeadlessSession } from './headless/session';
import { evaluationLine, inspectionLine, landscapeLine, metricsLine, profileLine, summaryLine } from './train/console-lines';
import { writeInspection } from './train/inspect-output';
import { EMBEDDINGS_FILE, INIT_FILE, parseTrainArgs, TRAIN_HELP, UsageError } from './train/options';

/** The page's own message, without Playwright's "page.evaluate: Error:" prefix and the page's stack. */
function pageErrorMessage(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.replace(/^page\.evaluate: (Error: )?/, '').replace(/\n\s+at [\s\S]*$/, '');
}

const slug = (name: string) => name.replace(/[^A-Za-z0-9._-]+/g, '-');

/** How often the landscape's progress is printed (and its files rewritten) while frames arrive. */
const LANDSCAPE_LINE_MS = 10_000;

async function main(): Promise<number> {
  const options = parseTrainArgs(process.argv.slice(2));
  if (!options) {
    console.log(TRAIN_HELP);
    return 0;
  }
  const { config } = options;
  const rows = new Map<string, MetricsRow[]>(config.runs.map((run) => [run.name, []]));
  const summaries: RunSummary[] = [];
  const checkpoints = new Map<string, Buffer>();
  const dataErrors: string[] = [];
  let totalSteps = 0;
  const runDir = (run: string) => (config.runs.length === 1 ? options.out : join(options.out, slug(run)));
  // metrics.csv has the classifier's columns for images and for tables alike.
  const csvTask = config.task === 'language-modeling' ? 'language-modeling' : 'image-classification';
  const write = () => {
    for (const run of config.runs) {
      mkdirSync(runDir(run.name), { recursive: true });
      writeFileSync(join(runDir(run.name), 'metrics.csv'), metricsCsv(rows.get(run.name)!, csvTask));
    }
  };
  // The landscape is the config's, shared by all runs: its files go to the top of --out.
  let frame: LandscapeFrame | null = null;
  let landscapeBytes: Buffer | null = null;
  let lastLandscapeLine = 0;
  const inspections = new Map<string, InspectionRecord[]>(config.runs.map((run) => [run.name, []]));
  const refusals: string[] = [];
  const profiles = new Map<string, ({ step: number } & StepProfile)[]>(config.runs.map((run) => [run.name, []]));
  let firstStep: FirstStepBreakdown | null = null;
  const writeLandscape = () => {
    if (!frame) return;
    mkdirSync(options.out, { recursive: true });
    writeFileSync(join(options.out, 'trajectories.csv'), trajectoriesCsv(frame));
    writeFileSync(join(options.out, 'landscape.json'), landscapeJson(frame));
    if (landscapeBytes) writeFileSync(join(options.out, 'landscape.safetensors'), landscapeBytes);
  };

  const onEvent = (event: TrainerEvent) => {
    switch (event.type) {
      case 'metrics':
        rows.get(event.run)!.push(event.row);
        console.log(metricsLine(event.run, event.row, totalSteps, config.runs.length));
        break;
      case 'evaluation': {
        // The evaluation's columns join the metrics row of the same step; its epoch stays the row's.
        const last = rows.get(event.run)!.at(-1);
        if (last && last.step === event.row.step) Object.assign(last, event.row, { epoch: last.epoch });
        console.log(evaluationLine(event.run, event.row));
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
      case 'landscape': {
        frame = event.frame;
        const now = Date.now();
        if (frame.settled || now - lastLandscapeLine >= LANDSCAPE_LINE_MS) {
          lastLandscapeLine = now;
          console.log(landscapeLine(frame));
          writeLandscape();
        }
        break;
      }
      case 'inspect-refused':
        refusals.push(event.message);
        console.error(`warning: ${event.message}; training goes on.`);
        break;
      case 'step-profile':
        profiles.get(event.run)!.push({ step: event.step, ...event.profile });
        console.log(profileLine(event.run, event.step, event.profile));
        break;
      case 'run-info':
        // The GPU memory is in the summary; the session's time to its first step joins it.
        firstStep = event.firstStep ?? firstStep;
        break;
      case 'inspection': // relayed on its own, with the factors' bytes (below)
      case 'progress': // each metrics row is a progress line
        break;
      default:
        unhandledMessage(event);
    }
  };

  const session = await openHeadlessSession({
    files: options.files,
    folders: options.folders,
    onReport: (report) => {
      const message = report as RelayedMessage;
      switch (message.type) {
        case 'trainer-event':
          onEvent(message.event);
          break;
        case 'training-started':
          totalSteps = message.totalSteps;
          console.log(
            `Training ${message.runs.join(', ')} on ${config.model} for ${totalSteps} steps (${message.stepsPerEpoch} per epoch) on ${message.adapter.vendor} ${message.adapter.architecture}`.trim(),
          );
          break;
        case 'inspection': {
          const record = {
            ...message.record,
            factors: message.record.factors.map((factor) => {
              const bytes = Buffer.from(factor.values, 'base64');
              return { ...factor, values: new Float32Array(new Uint8Array(bytes).buffer) };
            }),
          };
          inspections.get(record.run)!.push(record);
          console.log(inspectionLine(record));
          break;
        }
        case 'checkpoint-export':
          checkpoints.set(message.run, Buffer.from(message.bytes, 'base64'));
          break;
        case 'landscape-export':
          landscapeBytes = Buffer.from(message.bytes, 'base64');
          writeLandscape();
          break;
        case 'data-progress':
          if (message.total && message.loaded === message.total) console.log(`Loaded ${message.label} (${(message.total / 2 ** 20).toFixed(2)} MiB)`);
          break;
        case 'unavailable':
        case 'device-lost':
        case 'error':
          break; // the page rejects the training with the message, and main reports it
        case 'ready':
        case 'device-check-result':
        case 'data-inspected':
        case 'sample-result':
          break; // answers to requests the command line never sends
        default:
          unhandledMessage(message);
      }
    },
    onPageError: (message) => console.error(`[page] ${message}`),
  });
  try {
    const data: DataFile[] = [...options.files.keys()]
      .filter((name) => name !== INIT_FILE && name !== EMBEDDINGS_FILE)
      .map((name) => ({ name, url: session.fileUrl(name) }));
    const request: TrainRequest = {
      type: 'train',
      config,
      files: data,
      init: options.init ? { name: INIT_FILE, url: session.fileUrl(INIT_FILE) } : undefined,
      embeddings: options.embeddings ? { name: EMBEDDINGS_FILE, url: session.fileUrl(EMBEDDINGS_FILE) } : undefined,
      onDataError: 'stop',
    };
    await session.page
      .evaluate((r) => window.playgroundHeadless.train(r), request)
      .catch((error: unknown) => {
        throw new Error(pageErrorMessage(error));
      });
  } finally {
    write();
    writeLandscape();
    for (const summary of summaries) {
      writeFileSync(join(runDir(summary.run), 'summary.json'), JSON.stringify({ ...summary, first_step: firstStep }, null, 2) + '\n');
    }
    for (const [run, list] of profiles) {
      if (list.length) writeFileSync(join(runDir(run), 'profile.json'), JSON.stringify({ run, profiles: list }, null, 2) + '\n');
    }
    for (const [run, bytes] of checkpoints) writeFileSync(join(runDir(run), 'final.safetensors'), bytes);
    await session.close();
  }
  // The float64 analyses run here in Node, after the browser is gone, so they never slow training.
  for (const run of config.runs) {
    const records = inspections.get(run.name)!;
    if (records.length) writeInspection(runDir(run.name), config, run, records, (line) => console.log(line));
  }
  for (const summary of summaries) console.log(summaryLine(summary, runDir(summary.run)));
  if (frame) console.log(`[landscape] trajectories.csv, landscape.json${landscapeBytes ? ' and landscape.safetensors' : ''} -> ${options.out}`);
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
