import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFaultServer, type FaultServer } from './fault-server';
import { faultServerClient } from './fault-server-client';

describe('fault server', () => {
  let server: FaultServer;
  beforeAll(async () => {
    server = await startFaultServer();
  });
  afterAll(() => server.close());

  const bytes = Uint8Array.from({ length: 100 }, (_, i) => i);

  it('serves uploaded files whole and by range, with CORS, and counts GETs', async () => {
    const client = faultServerClient(server.url);
    await client.reset();
    await client.put('a/file.bin', bytes);
    const whole = await fetch(client.fileUrl('a/file.bin'));
    expect(whole.headers.get('access-control-allow-origin')).toBe('*');
    expect([...new Uint8Array(await whole.arrayBuffer())]).toEqual([...bytes]);
    const part = await fetch(client.fileUrl('a/file.bin'), { headers: { Range: 'bytes=10-19' } });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe('bytes 10-19/100');
    expect([...new Uint8Array(await part.arrayBuffer())]).toEqual([...bytes.subarray(10, 20)]);
    const suffix = await fetch(client.fileUrl('a/file.bin'), { headers: { Range: 'bytes=-5' } });
    expect([...new Uint8Array(await suffix.arrayBuffer())]).toEqual([95, 96, 97, 98, 99]);
    const beyond = await fetch(client.fileUrl('a/file.bin'), { headers: { Range: 'bytes=200-' } });
    expect(beyond.status).toBe(416);
    expect(await client.requestCount('a/file.bin')).toBe(4);
  });

  it('injects 404, 500, no-cors and truncation', async () => {
    const client = faultServerClient(server.url);
    await client.reset();
    await client.put('f.bin', bytes);
    await client.setFault('f.bin', '500');
    expect((await fetch(client.fileUrl('f.bin'))).status).toBe(500);
    await client.setFault('f.bin', '404');
    expect((await fetch(client.fileUrl('f.bin'))).status).toBe(404);
    await client.setFault('f.bin', 'no-cors');
    expect((await fetch(client.fileUrl('f.bin'))).headers.get('access-control-allow-origin')).toBeNull();
    await client.setFault('f.bin', 'truncate');
    const truncated = await fetch(client.fileUrl('f.bin'));
    expect(truncated.headers.get('content-length')).toBe('100');
    await expect(truncated.arrayBuffer()).rejects.toThrow();
    await expect(client.setFault('f.bin', 'bogus' as never)).rejects.toThrow(/Unknown fault/);
  });

  it('injects 403, and a host that ignores Range', async () => {
    server.reset();
    server.put('r.bin', bytes);
    server.setFault('r.bin', '403');
    expect((await fetch(`${server.url}/r.bin`, { headers: { Range: 'bytes=0-9' } })).status).toBe(403);
    server.setFault('r.bin', 'ignore-range');
    const whole = await fetch(`${server.url}/r.bin`, { headers: { Range: 'bytes=0-9' } });
    expect(whole.status).toBe(200);
    expect(whole.headers.get('accept-ranges')).toBeNull();
    expect(new Uint8Array(await whole.arrayBuffer()).length).toBe(100);
  });

  it('sends slow files in full', async () => {
    server.reset();
    server.put('slow.bin', bytes);
    server.setFault('slow.bin', 'slow');
    const response = await fetch(`${server.url}/slow.bin`);
    expect(new Uint8Array(await response.arrayBuffer()).length).toBe(100);
  });
});
