import { defineConfig } from '@playwright/test';
import { findBrowser, WEBGPU_BROWSER_ARGS } from './scripts/find-browser.mjs';

// End-to-end tests of the built app (vite preview) in the machine's own Chromium.
export default defineConfig({
  testDir: 'e2e',
  outputDir: 'test-results/e2e',
  timeout: 180_000,
  workers: 1,
  reporter: [['list'], ['html', { open: 'never', outputFolder: 'test-results/e2e-report' }]],
  use: {
    baseURL: 'http://localhost:4173',
    screenshot: 'on',
    trace: 'retain-on-failure',
    launchOptions: { executablePath: findBrowser(), args: WEBGPU_BROWSER_ARGS },
  },
  webServer: {
    command: 'npx vite preview --port 4173 --strictPort',
    url: 'http://localhost:4173',
    reuseExistingServer: !process.env.CI,
    timeout: 60_000,
  },
});
