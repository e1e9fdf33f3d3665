// A static file server for the data tests, run in Node: files live in memory, GET and HEAD
// honour `Range: bytes=a-b` (hyparquet reads parquet footers that way), every answer carries
// CORS headers so a page on another port can read it, files carry an ETag of their content, and
// a per-path fault turns a good file into a bad download. Tests upload fixtures and faults over
// HTTP, so browser tests drive it too.
//
//   PUT    /__files/<path>          body = the file's bytes
//   PUT    /__faults/<path>?fault=F F = 404 | 403 | 500 | truncate | slow | no-cors | ignore-range | none
//   DELETE /__files                 forget every file, fault and counter
//   GET    /__requests/<path>       {"count": n}: GETs of <path> so far (cache tests)
//   GET    /<path>                  the file, with its fault applied

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHash } from 'node:crypto';

/** `ignore-range` answers a ranged GET with 200 and the whole file, as a host without range support does. */
export type Fault = '404' | '403' | '500' | 'truncate' | 'slow' | 'no-cors' | 'ignore-range' | 'none';
const FAULTS: readonly Fault[] = ['404', '403', '500', 'truncate', 'slow', 'no-cors', 'ignore-range', 'none'];

/** Delay before each of the chunks a "slow" file is sent in. */
const SLOW_CHUNK_DELAY_MS = 40;
const SLOW_CHUNKS = 8;

export interface FaultServer {
  readonly url: string;
  put(path: string, bytes: Uint8Array): void;
  setFault(path: string, fault: Fault): void;
  requestCount(path: string): number;
  reset(): void;
  close(): Promise<void>;
}

function corsHeaders(): Record<string, string> {
  return {
    'Access-Control-Allow-Origin': '*',
    'Access-Control-Allow-Methods': 'GET, HEAD, PUT, DELETE, OPTIONS',
    'Access-Control-Allow-Headers': '*',
    'Access-Control-Expose-Headers': 'Content-Length, Content-Range, Accept-Ranges, ETag',
  };
}

async function readBody(request: IncomingMessage): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return new Uint8Array(Buffer.concat(chunks));
}

/** [start, end] inclusive for `bytes=a-b`, `bytes=a-` and `bytes=-n`; undefined when unsatisfiable. */
function parseRange(header: string, size: number): [number, number] | undefined {
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match || (match[1] === '' && match[2] === '')) return undefined;
  if (match[1] === '') {
    const suffix = Math.min(Number(match[2]), size);
    return suffix > 0 ? [size - suffix, size - 1] : undefined;
  }
  const start = Number(match[1]);
  const end = match[2] === '' ? size - 1 : Math.min(Number(match[2]), size - 1);
  return start <= end && start < size ? [start, end] : undefined;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function startFaultServer(port = 0): Promise<FaultServer> {
  const files = new Map<string, Uint8Array>();
  const faults = new Map<string, Fault>();
  const requests = new Map<string, number>();

  async function serveFile(request: IncomingMessage, response: ServerResponse, path: string): Promise<void> {
    const fault = faults.get(path) ?? 'none';
    const headers = fault === 'no-cors' ? {} : corsHeaders();
    if (request.method === 'GET') requests.set(path, (requests.get(path) ?? 0) + 1);
    const file = files.get(path);
    if (fault === '404' || !file) {
      response.writeHead(404, { ...headers, 'Content-Type': 'text/plain' }).end(`Not found: /${path}`);
      return;
    }
    if (fault === '403') {
      response.writeHead(403, { ...headers, 'Content-Type': 'text/plain' }).end('Forbidden (injected)');
      return;
    }
    if (fault === '500') {
      response.writeHead(500, { ...headers, 'Content-Type': 'text/plain' }).end('Internal server error (injected)');
      return;
    }
    let body = file;
    let status = 200;
    const rangeHeaders: Record<string, string> = fault === 'ignore-range' ? {} : { 'Accept-Ranges': 'bytes' };
    if (request.headers.range && fault !== 'ignore-range') {
      const range = parseRange(request.headers.range, file.length);
      if (!range) {
        response.writeHead(416, { ...headers, 'Content-Range': `bytes */${file.length}` }).end();
        return;
      }
      body = file.subarray(range[0], range[1] + 1);
      status = 206;
      rangeHeaders['Content-Range'] = `bytes ${range[0]}-${range[1]}/${file.length}`;
    }
    // A strong validator of the content, as static hosts send, so readers can tell a replaced file.
    const etag = `"${createHash('sha256').update(file).digest('hex').slice(0, 16)}"`;
    response.writeHead(status, {
      ...headers,
      ...rangeHeaders,
      ETag: etag,
      'Content-Type': 'application/octet-stream',
      'Content-Length': String(body.length),
    });
    if (request.method === 'HEAD') {
      response.end();
      return;
    }
    if (fault === 'truncate') {
      // Promise the whole file, send half, then drop the connection, as a dying download does.
      response.write(body.subarray(0, Math.floor(body.length / 2)));
      await sleep(20);
      response.destroy();
      return;
    }
    if (fault === 'slow') {
      const chunk = Math.ceil(body.length / SLOW_CHUNKS);
      for (let offset = 0; offset < body.length; offset += chunk) {
        await sleep(SLOW_CHUNK_DELAY_MS);
        response.write(body.subarray(offset, offset + chunk));
      }
      response.end();
      return;
    }
    response.end(body);
  }

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://localhost');
    const path = decodeURIComponent(url.pathname).replace(/^\/+/, '');
    if (request.method === 'OPTIONS') {
      response.writeHead(204, corsHeaders()).end();
      return;
    }
    if (path.startsWith('__files/') && request.method === 'PUT') {
      files.set(path.slice('__files/'.length), await readBody(request));
      response.writeHead(204, corsHeaders()).end();
      return;
    }
    if (path === '__files' && request.method === 'DELETE') {
      files.clear();
      faults.clear();
      requests.clear();
      response.writeHead(204, corsHeaders()).end();
      return;
    }
    if (path.startsWith('__faults/') && request.method === 'PUT') {
      const fault = url.searchParams.get('fault') as Fault;
      if (!FAULTS.includes(fault)) {
        response.writeHead(400, corsHeaders()).end(`Unknown fault ${fault}; use one of ${FAULTS.join(', ')}`);
        return;
      }
      faults.set(path.slice('__faults/'.length), fault);
      response.writeHead(204, corsHeaders()).end();
      return;
    }
    if (path.startsWith('__requests/')) {
      response
        .writeHead(200, { ...corsHeaders(), 'Content-Type': 'application/json' })
        .end(JSON.stringify({ count: requests.get(path.slice('__requests/'.length)) ?? 0 }));
      return;
    }
    if (request.method === 'GET' || request.method === 'HEAD') {
      await serveFile(request, response, path);
      return;
    }
    response.writeHead(405, corsHeaders()).end();
  }

  const server: Server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      if (!response.headersSent) response.writeHead(500).end(String(error));
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const address = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${address.port}`,
    put: (path, bytes) => files.set(path.replace(/^\/+/, ''), bytes),
    setFault: (path, fault) => faults.set(path.replace(/^\/+/, ''), fault),
    requestCount: (path) => requests.get(path.replace(/^\/+/, '')) ?? 0,
    reset: () => {
      files.clear();
      faults.clear();
      requests.clear();
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
