import { defineConfig } from 'vitest/config';
import { playwright } from '@vitest/browser-playwright';
import { findBrowser, WEBGPU_BROWSER_ARGS } from './scripts/find-browser.mjs';

// Two tiers: float64 references in Node, and GPU kernels in real Chromium with WebGPU
// (served from localhost, a secure context). The browser is looked up only when the
// browser project actually runs, so `--project node` works on a machine without one.
function requestedProjects(argv: string[]): string[] {
  return argv.flatMap((arg, i) => (arg === '--project' ? [argv[i + 1]] : arg.startsWith('--project=') ? [arg.slice(10)] : []));
}
const projects = requestedProjects(process.argv);
const wantsBrowser = projects.length === 0 || projects.includes('browser');

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'node',
          environment: 'node',
          include: ['src/**/*.test.ts', 'scripts/**/*.test.ts'],
          exclude: ['src/**/*.browser.test.ts'],
        },
      },
      {
        test: {
          name: 'browser',
          include: ['src/**/*.browser.test.ts'],
          globalSetup: ['src/engine/testing/fault-server.global-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          fileParallelism: false,
          browser: {
            enabled: true,
            headless: true,
            screenshotFailures: false,
            provider: playwright({
              launchOptions: {
                executablePath: wantsBrowser ? findBrowser() : undefined,
                args: WEBGPU_BROWSER_ARGS,
              },
            }),
            instances: [{ browser: 'chromium' }],
          },
        },
      },
    ],
  },
});
