import { afterEach, describe, expect, it, vi } from 'vitest';
import { parseRunConfig } from '../engine/config/run-config';
import type { MetricsRow } from '../engine/train/events';
import {
  comparisonCsv,
  comparisonJson,
  csvField,
  downloadBlob,
  downloadBytes,
  downloadDataUrl,
  downloadText,
  exportFileName,
  runCsv,
  weightsFileName,
} from './export';
import type { SavedRun } from './persistence';
import { defaultSetup, setupToConfig } from './setup';

const IMAGE_ROWS: MetricsRow[] = [
  { step: 10, epoch: 0.1, train_loss: 2.25, train_accuracy: 0.125, lr: 0.001, ms_per_step: 12.5, wall_time: 0.5 },
  { step: 20, epoch: 0.2, train_loss: 2, train_accuracy: 0.25, lr: 0.001, ms_per_step: 11, wall_time: 1, test_loss: 2.1, test_accuracy: 0.3 },
];

const TEXT_ROWS: MetricsRow[] = [
  { step: 5, epoch: 0, train_loss: 6.5, train_accuracy: 0.01, lr: 0.001, ms_per_step: 40, tokens_per_second: 3200, wall_time: 0.2 },
  {
    step: 10,
    epoch: 0,
    train_loss: NaN,
    train_accuracy: NaN,
    lr: 0.001,
    ms_per_step: 41,
    tokens_per_second: 3100,
    wall_time: 0.4,
    val_loss: 6,
    val_perplexity: 403.4,
  },
];

function saved(name: string, rows: MetricsRow[], state: SavedRun['state'] = 'finished'): SavedRun {
  return {
    name,
    optimizer: 'adam',
    state,
    rows,
    evaluations: rows.filter((row) => row.test_loss !== undefined).map(({ step, epoch, test_loss }) => ({ step, epoch, test_loss })),
    totalSteps: 20,
  };
}

describe('CSV', () => {
  it('writes one run with metrics.csv columns for images', () => {
    expect(runCsv(saved('adam', IMAGE_ROWS), 'image-classification')).toBe(
      'step,epoch,train_loss,train_accuracy,lr,ms_per_step,wall_time,test_loss,test_accuracy\n10,0.1,2.25,0.125,0.001,12.5,0.5,,\n20,0.2,2,0.25,0.001,11,1,2.1,0.3\n',
    );
  });

  it('writes one run with metrics.csv columns for language models', () => {
    expect(runCsv(saved('adamw', TEXT_ROWS), 'language-modeling')).toBe(
      'step,epoch,train_loss,train_accuracy,lr,ms_per_step,tokens_per_second,wall_time,val_loss,val_perplexity,test_loss,test_perplexity\n' +
        '5,0,6.5,0.01,0.001,40,3200,0.2,,,,\n' +
        '10,0,NaN,NaN,0.001,41,3100,0.4,6,403.4,,\n',
    );
  });

  it('puts several runs in one table with a leading run column, quoting names per RFC 4180', () => {
    const csv = comparisonCsv([saved('adam', IMAGE_ROWS), saved('sgd, lr "0.1"', IMAGE_ROWS.slice(1)), saved('empty', [])], 'image-classification');
    expect(csv).toBe(
      'run,step,epoch,train_loss,train_accuracy,lr,ms_per_step,wall_time,test_loss,test_accuracy\n' +
        'adam,10,0.1,2.25,0.125,0.001,12.5,0.5,,\n' +
        'adam,20,0.2,2,0.25,0.001,11,1,2.1,0.3\n' +
        '"sgd, lr ""0.1""",20,0.2,2,0.25,0.001,11,1,2.1,0.3\n',
    );
    expect(comparisonCsv([saved('adamw', TEXT_ROWS)], 'language-modeling').split('\n')[0]).toBe(
      'run,step,epoch,train_loss,train_accuracy,lr,ms_per_step,tokens_per_second,wall_time,val_loss,val_perplexity,test_loss,test_perplexity',
    );
    expect(comparisonCsv([], 'language-modeling').split('\n')).toHaveLength(2);
  });

  it('quotes fields with commas, quotes or line breaks and leaves others alone', () => {
    expect(csvField('adam')).toBe('adam');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
  });
});

describe('JSON', () => {
  it('holds the config and every run, with NaN written as null', () => {
    const setup = defaultSetup('language-modeling');
    const diverged = { ...saved('adafisherw', TEXT_ROWS, 'diverged'), message: 'train loss is NaN at step 10' };
    const text = comparisonJson(setup, [diverged, saved('adamw', TEXT_ROWS.slice(0, 1))], new Date(Date.UTC(2025, 2, 9, 12, 30)));
    expect(text.split('\n')[1]).toBe('  "format": "adafisher-playground-runs",');
    const parsed = JSON.parse(text);
    expect(parsed.format).toBe('adafisher-playground-runs');
    expect(parsed.version).toBe(1);
    expect(parsed.exported).toBe('2025-03-09T12:30:00.000Z');
    expect(parsed.config).toEqual(setupToConfig(setup));
    expect(parseRunConfig(parsed.config).task).toBe('language-modeling');
    expect(parsed.runs.map((run: SavedRun) => [run.name, run.state, run.message])).toEqual([
      ['adafisherw', 'diverged', 'train loss is NaN at step 10'],
      ['adamw', 'finished', undefined],
    ]);
    expect(parsed.runs[0].rows[1].train_loss).toBeNull();
    expect(parsed.runs[0].rows[1].val_perplexity).toBe(403.4);
    expect(parsed.runs[0].rows[0]).toEqual(TEXT_ROWS[0]);
    expect(Object.keys(parsed.runs[0])).toEqual(['name', 'optimizer', 'state', 'message', 'rows', 'evaluations']);
  });

  it('writes Infinity as null too, and keeps a summary', () => {
    const run = {
      ...saved('adam', [{ ...IMAGE_ROWS[0], train_loss: Infinity }]),
      summary: {
        run: 'adam',
        optimizer: 'adam',
        state: 'finished' as const,
        steps: 10,
        train_loss_first: 2.25,
        train_loss_last: null,
        test_loss: null,
        test_accuracy: null,
        val_perplexity: null,
        test_perplexity: null,
        ms_per_step_median: 12.5,
        gpu_bytes: { parameters: 1, gradients: 1, optimizer_state: 2, total: 4, held: 8 },
        adapter: 'a',
      },
    };
    const parsed = JSON.parse(comparisonJson(defaultSetup('image-classification'), [run]));
    expect(parsed.runs[0].rows[0].train_loss).toBeNull();
    expect(parsed.runs[0].summary).toEqual(run.summary);
  });
});

describe('file names', () => {
  const day = new Date(2025, 2, 9, 23, 59);

  it('slugs the base and adds the local date', () => {
    expect(exportFileName('cnn-small comparison', 'csv', day)).toBe('cnn-small-comparison-2025-03-09.csv');
    expect(exportFileName('  AdaFisher / Adam: lr=1e-3!  ', '.json', day)).toBe('adafisher-adam-lr-1e-3-2025-03-09.json');
    expect(exportFileName('Résumé', 'png', day)).toBe('resume-2025-03-09.png');
  });

  it('falls back to "runs" for a base with nothing to keep, and shortens long ones', () => {
    expect(exportFileName('***', 'csv', day)).toBe('runs-2025-03-09.csv');
    expect(exportFileName('a'.repeat(200), 'csv', day)).toBe(`${'a'.repeat(80)}-2025-03-09.csv`);
  });

  it("names a run's weights after the run, with only what file systems refuse replaced", () => {
    expect(weightsFileName('adam')).toBe('adam.safetensors');
    expect(weightsFileName('AdaFisher lr=1e-3 (β 0.9)')).toBe('AdaFisher lr=1e-3 (β 0.9).safetensors');
    expect(weightsFileName('a/b\\c:d*e?"<>|\n')).toBe('a-b-c-d-e------.safetensors');
  });
});

describe('downloads', () => {
  afterEach(() => {
    vi.useRealTimers();
    vi.unstubAllGlobals();
    vi.restoreAllMocks();
  });

  /** The little of the DOM a download touches: an anchor that records its click. */
  function fakeDocument() {
    const links: { href: string; download: string; clicked: boolean; removed: boolean; attached: boolean }[] = [];
    const document = {
      createElement(tag: string) {
        expect(tag).toBe('a');
        const link = {
          href: '',
          download: '',
          rel: '',
          style: {},
          clicked: false,
          removed: false,
          attached: false,
          click: () => (link.clicked = link.attached),
          remove: () => (link.removed = true),
        };
        links.push(link);
        return link;
      },
      body: { append: (link: { attached: boolean }) => (link.attached = true) },
    };
    vi.stubGlobal('document', document);
    return links;
  }

  it('clicks a temporary link to an object URL, then revokes the URL', async () => {
    vi.useFakeTimers();
    const links = fakeDocument();
    const revoked: string[] = [];
    vi.spyOn(URL, 'revokeObjectURL').mockImplementation((url) => revoked.push(url));
    const created: Blob[] = [];
    vi.spyOn(URL, 'createObjectURL').mockImplementation((blob) => (created.push(blob as Blob), `blob:test/${created.length}`));

    downloadText('runs.csv', 'a,b\n1,2\n', 'text/csv');
    expect(links).toEqual([expect.objectContaining({ href: 'blob:test/1', download: 'runs.csv', clicked: true, removed: true })]);
    expect(created[0].type).toBe('text/csv;charset=utf-8');
    expect(await created[0].text()).toBe('a,b\n1,2\n');
    expect(revoked).toEqual([]);
    vi.advanceTimersByTime(10_000);
    expect(revoked).toEqual(['blob:test/1']);

    downloadBlob('weights.safetensors', new Blob([new Uint8Array([1, 2])]));
    expect(links[1]).toEqual(expect.objectContaining({ href: 'blob:test/2', download: 'weights.safetensors', clicked: true }));
  });

  it('downloads bytes as a binary file', async () => {
    const links = fakeDocument();
    const created: Blob[] = [];
    vi.spyOn(URL, 'createObjectURL').mockImplementation((blob) => (created.push(blob as Blob), 'blob:test/bytes'));
    vi.spyOn(URL, 'revokeObjectURL').mockImplementation(() => undefined);
    downloadBytes('adam.safetensors', new Uint8Array([8, 0, 0, 0, 0, 0, 0, 0]));
    expect(links).toEqual([expect.objectContaining({ href: 'blob:test/bytes', download: 'adam.safetensors', clicked: true })]);
    expect(created[0].type).toBe('application/octet-stream');
    expect([...new Uint8Array(await created[0].arrayBuffer())]).toEqual([8, 0, 0, 0, 0, 0, 0, 0]);
  });

  it('downloads a data URL without an object URL', () => {
    const links = fakeDocument();
    downloadDataUrl('chart.png', 'data:image/png;base64,AAAA');
    expect(links).toEqual([expect.objectContaining({ href: 'data:image/png;base64,AAAA', download: 'chart.png', clicked: true, removed: true })]);
  });
});
