// The browser side of fault-server.ts: tests upload fixtures and faults over HTTP.

import type { Fault } from './fault-server';

export interface FaultServerClient {
  readonly url: string;
  /** The absolute URL a file is served at. */
  fileUrl(path: string): string;
  put(path: string, bytes: Uint8Array | string): Promise<void>;
  setFault(path: string, fault: Fault): Promise<void>;
  requestCount(path: string): Promise<number>;
  reset(): Promise<void>;
}

async function expectOk(response: Response, what: string): Promise<void> {
  if (!response.ok) throw new Error(`fault server: ${what} failed with HTTP ${response.status}: ${await response.text()}`);
}

export function faultServerClient(url: string): FaultServerClient {
  const clean = (path: string) => path.replace(/^\/+/, '');
  return {
    url,
    fileUrl: (path) => `${url}/${clean(path)}`,
    async put(path, bytes) {
      const body = typeof bytes === 'string' ? bytes : new Blob([bytes as Uint8Array<ArrayBuffer>]);
      await expectOk(await fetch(`${url}/__files/${clean(path)}`, { method: 'PUT', body }), `PUT ${path}`);
    },
    async setFault(path, fault) {
      await expectOk(await fetch(`${url}/__faults/${clean(path)}?fault=${fault}`, { method: 'PUT' }), `fault ${fault} on ${path}`);
    },
    async requestCount(path) {
      const response = await fetch(`${url}/__requests/${clean(path)}`);
      await expectOk(response, `request count of ${path}`);
      return ((await response.json()) as { count: number }).count;
    },
    async reset() {
      await expectOk(await fetch(`${url}/__files`, { method: 'DELETE' }), 'reset');
    },
  };
}
