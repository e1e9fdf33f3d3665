// What each message of the training worker does to the page's state. Both switches are
// exhaustive: a message type added to the protocol and not handled here fails to compile.

import type { EvaluationRow, MetricsRow, TrainerEvent } from '../engine/train/events';
import type { WorkerRequest, WorkerResponse } from '../worker/protocol';
import { updateRun, type PlaygroundState, type PlaygroundStore, type RunView } from './playground-state';
import { weightsFileName } from './export';
import { LANDSCAPE_TENSORS_FILE } from './landscape/landscape-state';
import { withRecord } from './inspector/inspector-state';

/** What a message can ask of the world outside the state. */
export interface MessageEffects {
  /** Writes the session to the run history: at once (`urgent`), or with the next batch of metrics. */
  saveSession(urgent: boolean): void;
  /** Hands a file to the user (a download, in the page). */
  saveFile(name: string, bytes: Uint8Array): void;
}

/** Reached only if a message type is missing from a switch: the compiler names it. */
function unhandled(message: never): never {
  throw new Error(`Unhandled message from the training worker: ${JSON.stringify(message)}`);
}

/** A new row, pushed onto the run's history in place: O(1) however long the run. */
function appendRow(run: RunView, row: MetricsRow): RunView {
  run.rows.push(row);
  return { ...run, version: run.version + 1 };
}

/** An evaluation, kept as is and also filled into the metrics row of its step (the CSV's test columns), in place. */
function appendEvaluation(run: RunView, evaluation: EvaluationRow): RunView {
  run.evaluations.push(evaluation);
  const last = run.rows.length - 1;
  const row = run.rows[last];
  if (row && row.step === evaluation.step) run.rows[last] = { ...row, ...evaluation, step: row.step, epoch: row.epoch };
  return { ...run, version: run.version + 1 };
}

function receiveTrainerEvent(store: PlaygroundStore, event: TrainerEvent, effects: MessageEffects): void {
  switch (event.type) {
    case 'metrics':
      updateRun(store, event.run, (run) => appendRow(run, event.row));
      effects.saveSession(false);
      return;
    case 'evaluation':
      updateRun(store, event.run, (run) => appendEvaluation(run, event.row));
      effects.saveSession(true);
      return;
    case 'run-state':
      updateRun(store, event.run, (run) => ({ ...run, state: event.state, message: event.message }));
      effects.saveSession(true);
      return;
    case 'run-info':
      updateRun(store, event.run, (run) => ({ ...run, gpuBytes: event.gpuBytes, stepTimes: event.stepTimes, firstStep: event.firstStep ?? run.firstStep }));
      return;
    case 'progress':
      // Every step: the session's counters and each run's step change, the runs themselves do not
      // (unless the length became known), so the rows and charts stay as they are.
      store.setState((state) => ({
        progress: { ...state.progress, step: event.step, totalSteps: event.totalSteps, updatedAt: performance.now() },
        runSteps: { ...state.runSteps, ...event.runs },
        runs: state.runs.some((run) => run.totalSteps !== event.totalSteps) ? state.runs.map((run) => ({ ...run, totalSteps: event.totalSteps })) : state.runs,
      }));
      return;
    case 'data-error': {
      const paused = event.action === 'paused';
      const advice = paused ? ' Training is paused; press Resume to try again, or Stop to keep what was recorded.' : '';
      store.setState((state) => ({ session: paused ? 'paused' : state.session, trainingError: `${event.message}${advice}` }));
      return;
    }
    case 'finished':
      store.setState((state) => ({
        session: 'idle',
        runs: state.runs.map((run) => {
          const summary = event.summaries.find((candidate) => candidate.run === run.name);
          return summary ? { ...run, summary } : run;
        }),
      }));
      effects.saveSession(true);
      return;
    case 'landscape':
      // The frame replaces the last one (it is small); the runs, and so the loss charts, stay as they are.
      store.setState((state) => ({ landscape: { ...state.landscape, enabled: true, frame: event.frame } }));
      // A grid still filling is written with the next batch of metrics; the last frame at once.
      effects.saveSession(event.frame.settled);
      return;
    case 'inspection':
      // Shares and F̃ are small; full factors are kept within the inspector's memory budget.
      store.setState((state) => ({ inspector: withRecord(state.inspector, event.record) }));
      effects.saveSession(false);
      return;
    case 'inspect-refused':
      // Only the inspector's request is refused: training goes on.
      store.setState((state) => ({ inspector: { ...state.inspector, refusal: event.message } }));
      return;
    case 'step-profile':
      store.setState((state) => ({ profiles: { ...state.profiles, [event.run]: { pending: false, step: event.step, profile: event.profile, error: null } } }));
      return;
    default:
      unhandled(event);
  }
}

/** Where the failure of a request is shown: next to what asked for it. */
function failedRequest(state: PlaygroundState, request: WorkerRequest['type'], message: string): Partial<PlaygroundState> {
  switch (request) {
    case 'sample':
      return { sample: { ...state.sample, running: false, error: message } };
    case 'inspect-data':
      return { data: { ...state.data, inspecting: false, summary: null, error: message } };
    case 'train':
      return { session: 'idle', trainingError: message, runs: [] };
    case 'export-checkpoint':
      return { weightsExport: { run: null, error: `Could not export the weights of ${state.weightsExport.run ?? 'the run'}: ${message}` } };
    case 'landscape-settings':
      return { landscape: { ...state.landscape, error: `The landscape kept its settings: ${message}` } };
    case 'export-landscape':
      return { landscape: { ...state.landscape, exporting: false, error: `Could not export the landscape: ${message}` } };
    case 'inspect-settings':
      return { inspector: { ...state.inspector, refusal: message } };
    case 'warm':
      // Compiling ahead only saves time: Start builds the same session and reports what is wrong with it.
      return {};
    case 'profile-step':
      // The error names no run: it answers the profiles still waiting.
      return {
        profiles: Object.fromEntries(
          Object.entries(state.profiles).map(([run, profile]) => [run, profile.pending ? { ...profile, pending: false, error: message } : profile]),
        ),
      };
    case 'init':
    case 'device-check':
    case 'pause':
    case 'resume':
    case 'stop':
      return { error: message, checkRunning: false };
    default:
      return unhandled(request);
  }
}

/** Applies one message of the worker to the state, in the order the worker sent them. */
export function receiveWorkerResponse(store: PlaygroundStore, message: WorkerResponse, effects: MessageEffects): void {
  const set = store.setState;
  switch (message.type) {
    case 'ready':
      set({ gpu: { state: 'ready', adapter: message.adapter } });
      return;
    case 'unavailable':
      set({ gpu: { state: 'unavailable', message: message.message } });
      return;
    case 'device-lost':
      set({ gpu: { state: 'lost', message: message.message }, checkRunning: false, session: 'idle' });
      effects.saveSession(true);
      return;
    case 'device-check-result':
      set({ checkResult: message.result, checkRunning: false });
      return;
    case 'sample-result':
      set({ sample: { running: false, result: { run: message.run, prompt: message.prompt, text: message.text }, error: null } });
      return;
    case 'data-inspected':
      set((state) => ({ data: { ...state.data, inspecting: false, summary: message.summary, error: null } }));
      return;
    case 'data-progress':
      set((state) => ({ data: { ...state.data, progress: { ...state.data.progress, [message.label]: { loaded: message.loaded, total: message.total } } } }));
      return;
    case 'training-started': {
      const now = performance.now();
      set((state) => ({
        session: 'training',
        progress: { step: 0, totalSteps: message.totalSteps, startedAt: now, updatedAt: now, stepsPerEpoch: message.stepsPerEpoch },
        runs: state.runs.map((run) => ({ ...run, totalSteps: message.totalSteps })),
      }));
      // Settings sent while the data loaded found no trainer: an open panel sends them again now.
      store.getState().inspectNewSession();
      return;
    }
    case 'trainer-event':
      receiveTrainerEvent(store, message.event, effects);
      return;
    case 'checkpoint-export':
      effects.saveFile(weightsFileName(message.run), message.bytes);
      set({ weightsExport: { run: null, error: null } });
      return;
    case 'landscape-export':
      effects.saveFile(LANDSCAPE_TENSORS_FILE, message.bytes);
      set((state) => ({ landscape: { ...state.landscape, exporting: false, error: null } }));
      return;
    case 'error':
      set((state) => failedRequest(state, message.request, message.message));
      return;
    default:
      unhandled(message);
  }
}
