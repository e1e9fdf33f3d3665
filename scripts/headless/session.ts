// Serves the built app on localhost and drives it in the machine's Chromium with WebGPU:
// the command-line tools run the same engine and worker as the page.

import { createReadStream, existsSync, statSync } from 'node:fs';
import { resolve, sep } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright';
import { preview, type Plugin, type PreviewServer } from 'vite';
import { findBrowser, WEBGPU_BROWSER_ARGS } from '../find-browser.mjs';

export const LOCAL_FILES_PREFIX = '/__local-files/';

export interface HeadlessSession {
  page: Page;
  /** Same-origin URL of a local file registered with `files`, or of `folder/relative/path` in a registered folder. */
  fileUrl(name: string): string;
  close(): Promise<void>;
}

export interface HeadlessOptions {
  /** Local files the page may fetch, by the name used in their URL. */
  files?: ReadonlyMap<string, string>;
  /** Local folders the page may fetch from (e.g. shards next to their manifest), by the name used in their URL. */
  folders?: ReadonlyMap<string, string>;
  /** Receives every message the page reports through window.__playgroundReport. */
  onReport: (message: unknown) => void;
  /** Receives errors the page logs (uncaught exceptions, console errors). */
  onPageError?: (message: string) => void;
}

/** The local path a request names: a registered file, or a file inside a registered folder (never above it). */
function localPath(name: string, files: ReadonlyMap<string, string>, folders: ReadonlyMap<string, string>): string | undefined {
  const file = files.get(name);
  if (file) return file;
  const slash = name.indexOf('/');
  const folder = slash > 0 ? folders.get(name.slice(0, slash)) : undefined;
  if (!folder) return undefined;
  const path = resolve(folder, name.slice(slash + 1));
  return path.startsWith(resolve(folder) + sep) && existsSync(path) && statSync(path).isFile() ? path : undefined;
}

/** Serves registered local files and folders (datasets, checkpoints) next to the app, with their sizes. */
function localFiles(files: ReadonlyMap<string, string>, folders: ReadonlyMap<string, string>): Plugin {
  return {
    name: 'playground-local-files',
    configurePreviewServer(server) {
      server.middlewares.use((request, response, next) => {
        const url = request.url ?? '';
        if (!url.startsWith(LOCAL_FILES_PREFIX)) return next();
        const path = localPath(decodeURIComponent(url.slice(LOCAL_FILES_PREFIX.length).split('?')[0]), files, folders);
        if (!path) {
          response.statusCode = 404;
          response.end('not registered');
          return;
        }
        const size = statSync(path).size;
        response.setHeader('Content-Type', 'application/octet-stream');
        response.setHeader('Accept-Ranges', 'bytes');
        // Range requests read a few tensors of a large file (GPT-1's embeddings from --embeddings).
        const range = /^bytes=(\d+)-(\d*)$/.exec(request.headers.range ?? '');
        if (range) {
          const start = Number(range[1]);
          const end = Math.min(range[2] === '' ? size - 1 : Number(range[2]), size - 1);
          if (start > end) {
            response.statusCode = 416;
            response.setHeader('Content-Range', `bytes */${size}`);
            response.end();
            return;
          }
          response.statusCode = 206;
          response.setHeader('Content-Range', `bytes ${start}-${end}/${size}`);
          response.setHeader('Content-Length', String(end - start + 1));
          createReadStream(path, { start, end }).pipe(response);
          return;
        }
        response.setHeader('Content-Length', String(size));
        createReadStream(path).pipe(response);
      });
    },
  };
}

export async function openHeadlessSession(options: HeadlessOptions): Promise<HeadlessSession> {
  const root = resolve(import.meta.dirname, '../..');
  if (!existsSync(resolve(root, 'dist/headless.html'))) {
    throw new Error('The app is not built: run `npx vite build` first (npm run train and npm run bench do it for you).');
  }
  let server: PreviewServer | null = null;
  let browser: Browser | null = null;
  try {
    server = await preview({
      root,
      logLevel: 'silent',
      preview: { host: 'localhost', port: 4190, strictPort: false, open: false },
      plugins: [localFiles(options.files ?? new Map(), options.folders ?? new Map())],
    });
    const base = server.resolvedUrls?.local[0];
    if (!base) throw new Error('The preview server did not report its address');
    browser = await chromium.launch({ executablePath: findBrowser(), args: WEBGPU_BROWSER_ARGS, headless: true });
    const page = await browser.newPage();
    await page.exposeBinding('__playgroundReport', (_source, message: unknown) => options.onReport(message));
    page.on('pageerror', (error) => options.onPageError?.(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error') options.onPageError?.(message.text());
    });
    await page.goto(new URL('headless.html', base).href);
    const openedServer = server;
    const openedBrowser = browser;
    return {
      page,
      fileUrl: (name) => new URL(LOCAL_FILES_PREFIX + name.split('/').map(encodeURIComponent).join('/'), base).href,
      close: async () => {
        await openedBrowser.close();
        await openedServer.close();
      },
    };
  } catch (error) {
    await browser?.close();
    await server?.close();
    throw error;
  }
}
