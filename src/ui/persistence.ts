// The page's run history in IndexedDB, so finished runs survive a reload. A session (one setup
// and its runs) is written whole on every save: a put of the same id replaces it, so saving twice
// is harmless and a crash between saves loses at most what came after the last one.

import { openDB, type DBSchema, type IDBPDatabase, type IDBPTransaction } from 'idb';
import type { LandscapeFrame } from '../engine/landscape/landscape-frame';
import type { EvaluationRow, MetricsRow, RunState, RunSummary } from '../engine/train/events';
import type { SavedInspection } from './inspector/inspector-state';
import type { Setup } from './setup';

export interface SavedRun {
  name: string;
  optimizer: string;
  /** The run's colour from its config (a CSS colour); without one the charts take the palette's by index. */
  color?: string;
  state: RunState;
  message?: string;
  rows: MetricsRow[];
  evaluations: EvaluationRow[];
  summary?: RunSummary;
  totalSteps: number;
}

export interface SavedSession {
  id: string;
  createdAt: number;
  updatedAt: number;
  setup: Setup;
  runs: SavedRun[];
  /** The session's latest loss-landscape frame (sessions saved before landscapes existed have none). */
  landscape?: LandscapeFrame;
  /** What the Kronecker-factor inspector measured and analysed (sessions saved before it existed, or never inspected, have none). */
  inspection?: SavedInspection;
}

export interface History {
  /** False when IndexedDB is missing or refused to open: sessions then live only until the page reloads. */
  persistent: boolean;
  /** Writes the whole session (replacing one with the same id); rejects with an Error that says to export the runs. */
  save(session: SavedSession): Promise<void>;
  /** Every session, the most recently updated first. */
  list(): Promise<SavedSession[]>;
  load(id: string): Promise<SavedSession | undefined>;
  remove(id: string): Promise<void>;
  clear(): Promise<void>;
}

export const DB_VERSION = 1;
const STORE = 'sessions';
const BY_UPDATED = 'updatedAt';
/** How long to wait for the database before going on from memory: an open queued behind another tab's delete or upgrade never answers. */
const OPEN_TIMEOUT_MS = 5000;

interface HistorySchema extends DBSchema {
  sessions: { key: string; value: SavedSession; indexes: { updatedAt: number } };
}

/** A session id that sorts by creation time: milliseconds in base 36, then random characters against collisions. */
export function newSessionId(now: number = Date.now()): string {
  const random = crypto.getRandomValues(new Uint32Array(2));
  const suffix = Array.from(random, (value) => value.toString(36).padStart(7, '0')).join('');
  // Nine base-36 digits hold times until the year 5188, so ids of equal length compare as times.
  return `${now.toString(36).padStart(9, '0')}-${suffix}`;
}

/** The message of a failed write: what happened, and that exporting keeps the runs. */
export function saveErrorMessage(error: unknown): string {
  // DOMException (QuotaExceededError, AbortError, InvalidStateError) is told apart by its name.
  const name = typeof error === 'object' && error !== null && 'name' in error ? String(error.name) : '';
  const keep = 'Export the runs (CSV or JSON) to keep them.';
  if (name === 'QuotaExceededError') {
    return `Could not save the runs: the browser's storage for this page is full. ${keep} Deleting old sessions from the history frees space.`;
  }
  const detail = error instanceof Error && error.message ? ` (${error.message})` : '';
  return `Could not save the runs: the browser's storage refused the write; it may be blocked (private browsing, site settings or another tab)${detail}. ${keep}`;
}

function saveError(error: unknown): Error {
  return new Error(saveErrorMessage(error), { cause: error });
}

/** Reading or deleting failed (the connection was closed by a newer tab, or the browser dropped it). */
function accessError(action: string, error: unknown): Error {
  const detail = error instanceof Error && error.message ? ` (${error.message})` : '';
  return new Error(`Could not ${action} the run history in the browser's storage${detail}. Reload the page to try again.`, { cause: error });
}

async function guarded<T>(action: string, operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    throw accessError(action, error);
  }
}

/** Opens the history database, or an in-memory history when IndexedDB is missing, refused or blocked. Never throws. */
export async function openHistory(dbName = 'adafisher-playground', options: { timeoutMs?: number } = {}): Promise<History> {
  if (typeof indexedDB === 'undefined' || indexedDB === null) return memoryHistory();
  try {
    const db = await openWithin(dbName, options.timeoutMs ?? OPEN_TIMEOUT_MS);
    return db ? databaseHistory(db) : memoryHistory();
  } catch {
    return memoryHistory();
  }
}

/** The database, or null when opening is blocked by another tab or does not finish in time. */
function openWithin(dbName: string, timeoutMs: number): Promise<IDBPDatabase<HistorySchema> | null> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const settle = (finish: () => void): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      finish();
    };
    const timer = setTimeout(() => settle(() => resolve(null)), timeoutMs);
    // open() itself throws where storage is disabled outright (a SecurityError in some private modes).
    try {
      openDB<HistorySchema>(dbName, DB_VERSION, {
        upgrade(db, oldVersion) {
          if (oldVersion < 1) {
            const store = db.createObjectStore(STORE, { keyPath: 'id' });
            store.createIndex(BY_UPDATED, 'updatedAt');
          }
        },
        // Another tab holds an older version open: run from memory rather than wait for it.
        blocked: () => settle(() => resolve(null)),
        // A newer page in another tab wants to upgrade the schema: let it, as this copy is out of date
        // (later writes here then fail with the message that says to export the runs).
        blocking: (_current, _blocked, event) => (event.target as IDBDatabase).close(),
      }).then(
        (db) => {
          // Opened after the page already went on from memory: nothing will use this connection.
          if (settled) db.close();
          settle(() => resolve(db));
        },
        (error: unknown) => settle(() => reject(error)),
      );
    } catch (error) {
      settle(() => reject(error));
    }
  });
}

function databaseHistory(db: IDBPDatabase<HistorySchema>): History {
  return {
    persistent: true,
    async save(session) {
      let tx: IDBPTransaction<HistorySchema, ['sessions'], 'readwrite'> | undefined;
      try {
        const transaction = db.transaction(STORE, 'readwrite');
        tx = transaction;
        await Promise.all([transaction.store.put(session), transaction.done]);
      } catch (error) {
        // A full disk aborts the transaction: the put then fails with AbortError and the
        // transaction's own error holds the cause (QuotaExceededError).
        throw saveError(tx?.error ?? error);
      }
    },
    list: () => guarded('read', async () => (await db.getAllFromIndex(STORE, BY_UPDATED)).reverse()),
    load: (id) => guarded('read', () => db.get(STORE, id)),
    remove: (id) => guarded('delete from', () => db.delete(STORE, id)),
    clear: () => guarded('clear', () => db.clear(STORE)),
  };
}

/** The same contract in memory; sessions are cloned on the way in and out, as IndexedDB would. */
export function memoryHistory(): History {
  const sessions = new Map<string, SavedSession>();
  return {
    persistent: false,
    async save(session) {
      try {
        sessions.set(session.id, structuredClone(session));
      } catch (error) {
        throw saveError(error);
      }
    },
    async list() {
      return [...sessions.values()].sort((a, b) => b.updatedAt - a.updatedAt).map((session) => structuredClone(session));
    },
    async load(id) {
      const session = sessions.get(id);
      return session && structuredClone(session);
    },
    async remove(id) {
      sessions.delete(id);
    },
    async clear() {
      sessions.clear();
    },
  };
}
