// @ts-check
// Finds an installed Chrome or Chromium for tests and headless runs. Nothing here ever
// downloads a browser: the project uses what the machine has.
import { existsSync } from 'node:fs';

/** Environment variables checked first, in this order. */
export const BROWSER_ENV_VARS = ['CHROME_PATH', 'CHROMIUM_PATH', 'PLAYWRIGHT_CHROMIUM_EXECUTABLE_PATH'];

const USUAL_PATHS = {
  linux: [
    '/usr/bin/chromium',
    '/usr/bin/chromium-browser',
    '/usr/bin/google-chrome',
    '/usr/bin/google-chrome-stable',
    '/opt/google/chrome/chrome',
    '/snap/bin/chromium',
  ],
  darwin: [
    '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
    '/Applications/Chromium.app/Contents/MacOS/Chromium',
    '/Applications/Google Chrome Canary.app/Contents/MacOS/Google Chrome Canary',
  ],
  win32: ['C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe', 'C:\\Program Files (x86)\\Google\\Chrome\\Application\\chrome.exe'],
};

/**
 * WebGPU on machines without a GPU runs on SwiftShader (software Vulkan); the
 * networking switches keep Chromium from reaching for Google's hosts at start-up.
 */
export const WEBGPU_BROWSER_ARGS = [
  '--enable-unsafe-webgpu',
  '--use-webgpu-adapter=swiftshader',
  '--enable-unsafe-swiftshader',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

export class BrowserNotFoundError extends Error {
  constructor(/** @type {string[]} */ tried) {
    super(
      'No Chrome or Chromium found (tried ' +
        tried.join(', ') +
        '). ' +
        'Install one (Debian/Ubuntu: `sudo apt-get install -y chromium`) or set CHROME_PATH to its executable.',
    );
    this.name = 'BrowserNotFoundError';
  }
}

/**
 * @param {NodeJS.ProcessEnv} [env]
 * @param {string} [platform]
 * @returns {string} path of the browser executable
 */
export function findBrowser(env = process.env, platform = process.platform) {
  const tried = [];
  for (const name of BROWSER_ENV_VARS) {
    const value = env[name];
    if (!value) continue;
    if (existsSync(value)) return value;
    throw new BrowserNotFoundError([`${name}=${value} (does not exist)`]);
  }
  tried.push(`$${BROWSER_ENV_VARS[0]}`);
  for (const candidate of USUAL_PATHS[/** @type {keyof typeof USUAL_PATHS} */ (platform)] ?? []) {
    if (existsSync(candidate)) return candidate;
    tried.push(candidate);
  }
  throw new BrowserNotFoundError(tried);
}
