import 'fake-indexeddb/auto';
import { IDBFactory, IDBObjectStore } from 'fake-indexeddb';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { MetricsRow } from '../engine/train/events';
import { memoryHistory, newSessionId, openHistory, saveErrorMessage, type SavedRun, type SavedSession } from './persistence';
import { defaultSetup } from './setup';
import { landscapeFixture } from './testing/landscape-fixture';

function rows(steps: number, diverge = false): MetricsRow[] {
  return Array.from({ length: steps / 10 }, (_, i) => {
    const step = (i + 1) * 10;
    const row: MetricsRow = {
      step,
      epoch: step / 100,
      train_loss: 2.3 - 0.01 * step,
      train_accuracy: 0.1 + 0.001 * step,
      lr: 1e-3,
      ms_per_step: 12.5,
      wall_time: step * 0.0125,
    };
    if (step % 50 === 0) Object.assign(row, { test_loss: 2.1 - 0.01 * step, test_accuracy: 0.2 });
    return row;
  }).map((row, i, all) => (diverge && i === all.length - 1 ? { ...row, train_loss: NaN, train_accuracy: NaN } : row));
}

function run(name: string, diverge = false): SavedRun {
  const metrics = rows(100, diverge);
  return {
    name,
    optimizer: name,
    state: diverge ? 'diverged' : 'finished',
    ...(diverge ? { message: 'train loss is NaN at step 100' } : {}),
    rows: metrics,
    evaluations: metrics
      .filter((row) => row.test_loss !== undefined)
      .map(({ step, epoch, test_loss, test_accuracy }) => ({ step, epoch, test_loss, test_accuracy })),
    summary: {
      run: name,
      optimizer: name,
      state: diverge ? 'diverged' : 'finished',
      steps: 100,
      train_loss_first: 2.2,
      train_loss_last: diverge ? null : 1.3,
      test_loss: 1.1,
      test_accuracy: 0.2,
      val_perplexity: null,
      test_perplexity: null,
      ms_per_step_median: 12.5,
      gpu_bytes: { parameters: 4096, gradients: 4096, optimizer_state: 8192, total: 16384, held: 65536 },
      adapter: 'test adapter',
    },
    totalSteps: 100,
  };
}

function session(id: string, updatedAt: number): SavedSession {
  return { id, createdAt: updatedAt - 1000, updatedAt, setup: defaultSetup('image-classification'), runs: [run('adafisher'), run('adam', true)] };
}

describe('history in IndexedDB', () => {
  beforeEach(() => {
    // A fresh factory per test: no database carries over from another test.
    vi.stubGlobal('indexedDB', new IDBFactory());
  });
  afterEach(() => {
    vi.unstubAllGlobals();
    vi.restoreAllMocks();
  });

  it('saves, loads, lists newest first, removes and clears', async () => {
    const history = await openHistory('test');
    expect(history.persistent).toBe(true);
    await history.save(session('a', 1000));
    await history.save(session('c', 3000));
    await history.save(session('b', 2000));
    expect((await history.list()).map((s) => s.id)).toEqual(['c', 'b', 'a']);

    const loaded = await history.load('b');
    expect(loaded).toEqual(session('b', 2000));
    // Structured clone keeps NaN (JSON would not): a diverged run's last row reads back as it was.
    expect(loaded!.runs[1].rows.at(-1)!.train_loss).toBeNaN();
    expect(loaded!.runs[1].message).toBe('train loss is NaN at step 100');
    expect(await history.load('missing')).toBeUndefined();

    await history.remove('c');
    expect((await history.list()).map((s) => s.id)).toEqual(['b', 'a']);
    await history.clear();
    expect(await history.list()).toEqual([]);
  });

  it('replaces a session saved again under the same id, and orders by the last update', async () => {
    const history = await openHistory('test');
    await history.save(session('a', 1000));
    await history.save(session('b', 2000));
    const updated = { ...session('a', 5000), runs: [run('adafisher')] };
    await history.save(updated);
    await history.save(updated);
    const list = await history.list();
    expect(list.map((s) => s.id)).toEqual(['a', 'b']);
    expect(list[0].runs).toHaveLength(1);
  });

  it('still has earlier sessions when the page opens the database again (a reload)', async () => {
    const before = await openHistory('reload');
    await before.save(session('kept', 1234));
    const after = await openHistory('reload');
    expect(after.persistent).toBe(true);
    expect(await after.load('kept')).toEqual(session('kept', 1234));
    expect(await (await openHistory('other')).list()).toEqual([]);
  });

  it('keeps a landscape frame as it was, nulls of a grid still filling included', async () => {
    const history = await openHistory('landscape');
    const landscape = landscapeFixture({ plane: 'weights', filled: 12 });
    await history.save({ ...session('with-landscape', 1000), landscape });
    const loaded = (await history.load('with-landscape'))!;
    expect(loaded.landscape).toEqual(landscape);
    expect(loaded.landscape!.losses[4][0]).toBeNull();
    expect(loaded.landscape!.interpolated!.losses[0][0]).toBeNull();
  });

  it('rejects a write that exceeds the quota with a message that says to export the runs', async () => {
    const history = await openHistory('full');
    vi.spyOn(IDBObjectStore.prototype, 'put').mockImplementation(() => {
      throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
    });
    const failure = history.save(session('a', 1));
    await expect(failure).rejects.toThrow(/storage for this page is full/);
    await expect(failure).rejects.toThrow(/Export the runs \(CSV or JSON\) to keep them/);
  });

  it('rejects any other failed write as refused or blocked, still saying to export', async () => {
    const history = await openHistory('refused');
    vi.spyOn(IDBObjectStore.prototype, 'put').mockImplementation(() => {
      throw new DOMException('The transaction was aborted.', 'AbortError');
    });
    await expect(history.save(session('a', 1))).rejects.toThrow(
      /refused the write; it may be blocked .*\(The transaction was aborted\.\)\. Export the runs \(CSV or JSON\) to keep them\./,
    );
  });

  it('lets a newer page upgrade the database, then says so on every call', async () => {
    const history = await openHistory('upgraded');
    await history.save(session('a', 1));
    // The newer page's open is not blocked: this connection closes when asked.
    const newer = await new Promise<IDBDatabase>((resolve, reject) => {
      const request = indexedDB.open('upgraded', 2);
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
      request.onblocked = () => reject(new Error('blocked by the older connection'));
    });
    newer.close();
    await expect(history.list()).rejects.toThrow(/^Could not read the run history in the browser's storage \(.+\)\. Reload the page to try again\.$/);
    await expect(history.load('a')).rejects.toThrow(/^Could not read the run history/);
    await expect(history.remove('a')).rejects.toThrow(/^Could not delete from the run history/);
    await expect(history.save(session('b', 2))).rejects.toThrow(/refused the write.*Export the runs \(CSV or JSON\) to keep them\./);
  });

  it('falls back to memory when IndexedDB is missing, and still works until reload', async () => {
    vi.stubGlobal('indexedDB', undefined);
    const history = await openHistory('none');
    expect(history.persistent).toBe(false);
    await history.save(session('a', 1000));
    await history.save(session('b', 2000));
    expect((await history.list()).map((s) => s.id)).toEqual(['b', 'a']);
    expect((await history.load('a'))!.runs[1].rows.at(-1)!.train_loss).toBeNaN();
    await history.remove('b');
    expect((await history.list()).map((s) => s.id)).toEqual(['a']);
    await history.clear();
    expect(await history.list()).toEqual([]);
  });

  it('falls back to memory when opening throws (private mode) or is refused (a newer version exists)', async () => {
    const factory = new IDBFactory();
    vi.spyOn(factory, 'open').mockImplementation(() => {
      throw new DOMException('A mutation operation was attempted on a database that did not allow mutations.', 'InvalidStateError');
    });
    vi.stubGlobal('indexedDB', factory);
    expect((await openHistory('private')).persistent).toBe(false);

    vi.stubGlobal('indexedDB', new IDBFactory());
    await new Promise<void>((resolve, reject) => {
      const request = indexedDB.open('newer', 2);
      request.onsuccess = () => {
        request.result.close();
        resolve();
      };
      request.onerror = () => reject(request.error);
    });
    expect((await openHistory('newer')).persistent).toBe(false);
  });

  it('falls back to memory when opening never answers (queued behind another tab)', async () => {
    // A connection that ignores versionchange keeps a delete pending, and an open queues behind it.
    const stubborn = await new Promise<IDBDatabase>((resolve, reject) => {
      const request = indexedDB.open('stuck', 1);
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
    indexedDB.deleteDatabase('stuck');
    const history = await openHistory('stuck', { timeoutMs: 50 });
    expect(history.persistent).toBe(false);
    await history.save(session('a', 1));
    expect(await history.load('a')).toEqual(session('a', 1));
    stubborn.close();
  });

  it('keeps memory copies apart from the caller, as IndexedDB does', async () => {
    const history = memoryHistory();
    const saved = session('a', 1);
    await history.save(saved);
    saved.runs[0].rows.length = 0;
    expect((await history.load('a'))!.runs[0].rows).toHaveLength(10);
  });
});

describe('save error messages', () => {
  it('names a full storage by the error name, and anything else as refused', () => {
    expect(saveErrorMessage(new DOMException('x', 'QuotaExceededError'))).toMatch(
      /^Could not save the runs: the browser's storage for this page is full\. Export/,
    );
    expect(saveErrorMessage(new DOMException('denied', 'UnknownError'))).toMatch(/refused the write.*\(denied\)\. Export the runs/);
    expect(saveErrorMessage('odd')).toMatch(/refused the write; it may be blocked \(private browsing, site settings or another tab\)\. Export/);
  });
});

describe('session ids', () => {
  it('sort by creation time and differ within the same millisecond', () => {
    const early = newSessionId(Date.UTC(2024, 0, 1));
    const late = newSessionId(Date.UTC(2024, 0, 1) + 1);
    expect(early < late).toBe(true);
    expect(newSessionId(5)).not.toBe(newSessionId(5));
    expect(newSessionId(Date.UTC(2024, 0, 1))).toMatch(/^0[0-9a-z]{8}-[0-9a-z]{14}$/);
  });
});
