import { defineConfig } from '@playwright/test';
import { findBrowser, WEBGPU_BROWSER_ARGS } from './scripts/find-browser.mjs';

// End-to-end tests of the built app (vite preview) in the machine's own Chromium.
// E2E_PORT lets two checkouts run their suites side by side.
const port = Number(process.env.E2E_PORT ?? 4173);

export default defineConfig({
  testDir: 'e2e',
  outputDir: 'test-results/e2e',
  timeout: 180_000,
  workers: 1,
  reporter: [['list'], ['html', { open: 'never', outputFolder: 'test-results/e2e-report' }]],
  use: {
    baseURL: `http://localhost:${port}`,
    screenshot: 'on',
    trace: 'retain-on-failure',
    launchOptions: { executablePath: findBrowser(), args: WEBGPU_BROWSER_ARGS },
  },
  webServer: {
    command: `npx vite preview --port ${port} --strictPort`,
    url: `http://localhost:${port}`,
    reuseExistingServer: !process.env.CI,
    timeout: 60_000,
  },
});
