// Vitest global setup for the browser project: one fault server for every browser test file,
// reached through inject('faultServerUrl').

import type { TestProject } from 'vitest/node';
import { startFaultServer } from './fault-server';

declare module 'vitest' {
  export interface ProvidedContext {
    faultServerUrl: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const server = await startFaultServer();
  project.provide('faultServerUrl', server.url);
  return () => server.close();
}
