// The page's parts wired together: the state, the worker bridge that feeds it, and the history
// sync that keeps it across reloads. createPlayground makes an independent set, so the page
// has one and each test its own, with fakes for the worker, IndexedDB and downloads.

import { downloadBytes } from './export';
import { createHistorySync, type HistorySync } from './history-sync';
import { initialSetup } from './initial-setup';
import { openHistory, type History } from './persistence';
import { createPlaygroundStore, type PlaygroundStore } from './playground-state';
import { browserStorage, forgetRememberedSetup, readRememberedSetup } from './remembered-setup';
import { connectTrainingWorker, createWorkerBridge, type ConnectWorker, type WorkerBridge } from './worker-bridge';

export interface PlaygroundEnvironment {
  connectWorker: ConnectWorker;
  openHistory(): Promise<History>;
  /** Where the setup is remembered (localStorage), or null. */
  storage: Storage | null;
  /** Hands a file to the user: a download in the page. */
  saveFile(name: string, bytes: Uint8Array): void;
  /** How long metrics wait to be written to the history (2 s by default). */
  saveIntervalMs?: number;
}

export interface Playground {
  store: PlaygroundStore;
  /** Applies the link's or the last visit's setup, starts the worker and brings back the last session. */
  start(pageUrl: string): Promise<void>;
  /** Ends the worker and stops writing to the history; the state stays as it is. */
  stop(): void;
}

export function browserEnvironment(): PlaygroundEnvironment {
  return {
    connectWorker: connectTrainingWorker,
    openHistory: () => openHistory(),
    storage: browserStorage(),
    saveFile: (name, bytes) => downloadBytes(name, bytes),
  };
}

export function createPlayground(environment: PlaygroundEnvironment): Playground {
  // The store's effects call the bridge and the sync, which need the store: they are made
  // right after it, before any action can run.
  const store: PlaygroundStore = createPlaygroundStore({
    send: (request) => bridge.send(request),
    saveSession: (urgent) => history.save(urgent),
    forgetSession: (id) => history.forget(id),
  });
  const history: HistorySync = createHistorySync(store, environment);
  const bridge: WorkerBridge = createWorkerBridge(store, environment.connectWorker, {
    saveSession: (urgent) => history.save(urgent),
    saveFile: environment.saveFile,
  });

  return {
    store,
    async start(pageUrl) {
      const remembered = readRememberedSetup(environment.storage);
      if (remembered && 'error' in remembered) forgetRememberedSetup(environment.storage);
      const { setup, notice } = initialSetup(pageUrl, remembered);
      if (setup || notice) store.getState().replaceSetup(setup ?? store.getState().setup, notice);
      bridge.start();
      await history.open();
    },
    stop() {
      bridge.stop();
      history.dispose();
    },
  };
}
