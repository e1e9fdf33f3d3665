// Keeps what the page trained and set up across reloads: the session and its runs in the run
// history (IndexedDB, see persistence.ts), and the setup in localStorage (remembered-setup.ts).

import type { RunState } from '../engine/train/events';
import { restoredLandscape } from './landscape/landscape-state';
import { inspectionToSave, restoredInspector } from './inspector/inspector-state';
import type { History, SavedSession } from './persistence';
import { savedRun, type PlaygroundStore } from './playground-state';
import { setupToConfig } from './setup';
import { rememberSetup } from './remembered-setup';

/** Metrics arrive many times a second: they are written at most this often; state changes at once. */
export const SAVE_INTERVAL_MS = 2000;

export interface HistorySyncOptions {
  openHistory(): Promise<History>;
  /** Where the setup is remembered (localStorage), or null to remember nothing. */
  storage: Storage | null;
  saveIntervalMs?: number;
}

export interface HistorySync {
  /** Opens the run history and brings back its latest session, unless one started meanwhile. */
  open(): Promise<void>;
  /** Writes the current session: at once (`urgent`), or with the next batch of metrics. */
  save(urgent: boolean): void;
  /** Deletes a session from the history. */
  forget(id: string): void;
  /** Stops writing: a pending save is dropped and the setup no longer remembered. */
  dispose(): void;
}

const INTERRUPTED: readonly RunState[] = ['running', 'pending', 'paused'];

/** The store's current session as the history keeps it, or null when there is none. */
export function sessionToSave(store: PlaygroundStore, now: number = Date.now()): SavedSession | null {
  const { sessionId, sessionSetup, runs, landscape, inspector } = store.getState();
  // Full factors (up to INSPECTOR_HISTORY_BUDGET) are written once no run trains any more, not with every batch of metrics.
  const training = runs.some((run) => run.state === 'running' || run.state === 'pending');
  const inspection = inspectionToSave(inspector, { withFactors: !training });
  if (!sessionId || !sessionSetup) return null;
  return {
    id: sessionId,
    // Session ids begin with their creation time in base 36 (newSessionId).
    createdAt: Number.parseInt(sessionId.split('-')[0], 36) || now,
    updatedAt: now,
    setup: sessionSetup,
    // The history clones the session as it writes it, so rows that grow later are not affected.
    runs: runs.map(savedRun),
    // Frames are replaced, never changed in place, so the history may hold this one as it is.
    ...(landscape.frame ? { landscape: landscape.frame } : {}),
    // The inspector's series and analyses are replaced, never changed in place; full factors within INSPECTOR_HISTORY_BUDGET.
    ...(inspection ? { inspection } : {}),
  };
}

/** Shows a saved session in the store; a run that was still training when the page closed is marked as stopped. */
export function restoreSession(store: PlaygroundStore, session: SavedSession): void {
  const runNames = session.runs.map((run) => run.name);
  store.setState((state) => ({
    sessionId: session.id,
    sessionSetup: session.setup,
    runs: session.runs.map((run) => ({
      ...run,
      ...(INTERRUPTED.includes(run.state)
        ? { state: 'stopped' as const, message: 'The page was closed or reloaded while this run trained; what it recorded is kept.' }
        : {}),
      gpuBytes: run.summary?.gpu_bytes ?? null,
      firstStep: null,
      stepTimes: run.summary?.step_times ?? null,
      version: 0,
    })),
    runSteps: Object.fromEntries(session.runs.map((run) => [run.name, run.rows.at(-1)?.step ?? 0])),
    // The worker that trained these runs went with the last page load, and their weights with it.
    weightsInWorker: false,
    landscape: restoredLandscape(setupToConfig(session.setup), runNames, session.landscape, state.landscape.display),
    // Shown from what the history kept: the analyses need no worker.
    inspector: restoredInspector(session.inspection),
  }));
}

export function createHistorySync(store: PlaygroundStore, { openHistory, storage, saveIntervalMs = SAVE_INTERVAL_MS }: HistorySyncOptions): HistorySync {
  let history: History | null = null;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let disposed = false;

  const unsubscribe = store.subscribe((state, previous) => {
    if (state.setup !== previous.setup) rememberSetup(storage, state.setup);
  });

  const write = () => {
    timer = null;
    const session = sessionToSave(store);
    if (!session || !history) return;
    history.save(session).then(
      () => store.setState((state) => (state.storage.error ? { storage: { ...state.storage, error: null } } : {})),
      (error: unknown) => store.setState((state) => ({ storage: { ...state.storage, error: error instanceof Error ? error.message : String(error) } })),
    );
  };

  return {
    async open() {
      const opened = await openHistory();
      if (disposed) return;
      history = opened;
      store.setState({ storage: { persistent: opened.persistent, error: null } });
      const [latest] = await opened.list();
      if (disposed || !latest || store.getState().sessionId) return;
      restoreSession(store, latest);
    },
    save(urgent) {
      if (!history || disposed) return;
      // A write already waiting takes the newest state with it, unless this one cannot wait.
      if (timer && !urgent) return;
      if (timer) clearTimeout(timer);
      timer = setTimeout(write, urgent ? 0 : saveIntervalMs);
    },
    forget(id) {
      void history?.remove(id);
    },
    dispose() {
      disposed = true;
      unsubscribe();
      if (timer) clearTimeout(timer);
      timer = null;
    },
  };
}
