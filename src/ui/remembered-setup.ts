// The setup of the last visit, kept in localStorage. It is written as the run config (the
// format of YAML files and links) and read back through the same schema, so an entry from an
// older version, another tab's damage or a hand edit is reported and dropped, never applied.

import { ConfigError } from '../engine/config/run-config';
import { configToSetup, defaultLandscape, setupToConfig, type Setup } from './setup';

/**
 * Since the loss landscape, a remembered config without a `landscape` section means "no
 * landscape", so it lives under a new key; one under the earlier key was written before the
 * landscape existed and gets its task's default landscape.
 */
export const SETUP_STORAGE_KEY = 'adafisher-playground:setup-v2';
export const EARLIER_SETUP_STORAGE_KEY = 'adafisher-playground:setup';

export type RememberedSetup = { setup: Setup } | { error: string };

const DROPPED = 'it was dropped and the page starts from the default setup.';

/** localStorage, or null where the browser refuses it (storage disabled, an opaque origin). */
export function browserStorage(): Storage | null {
  try {
    return globalThis.localStorage ?? null;
  } catch {
    return null;
  }
}

export function rememberSetup(storage: Storage | null, setup: Setup): void {
  try {
    storage?.setItem(SETUP_STORAGE_KEY, JSON.stringify(setupToConfig(setup)));
    storage?.removeItem(EARLIER_SETUP_STORAGE_KEY);
  } catch {
    // Storage full or disabled: the setup simply is not remembered.
  }
}

export function forgetRememberedSetup(storage: Storage | null): void {
  try {
    storage?.removeItem(SETUP_STORAGE_KEY);
    storage?.removeItem(EARLIER_SETUP_STORAGE_KEY);
  } catch {
    // Nothing to forget where storage is disabled.
  }
}

/** The stored text and whether it was written before the landscape existed, or null when there is none. */
function storedText(storage: Storage | null): { text: string; earlier: boolean } | null {
  const current = storage?.getItem(SETUP_STORAGE_KEY) ?? null;
  if (current !== null) return { text: current, earlier: false };
  const earlier = storage?.getItem(EARLIER_SETUP_STORAGE_KEY) ?? null;
  return earlier === null ? null : { text: earlier, earlier: true };
}

/** The remembered setup, a message saying why it cannot be used, or null when there is none. Never throws. */
export function readRememberedSetup(storage: Storage | null): RememberedSetup | null {
  let stored: { text: string; earlier: boolean } | null;
  try {
    stored = storedText(storage);
  } catch {
    return null;
  }
  if (stored === null) return null;
  let config: unknown;
  try {
    config = JSON.parse(stored.text);
  } catch {
    return { error: `The setup remembered from your last visit is not valid JSON; ${DROPPED}` };
  }
  try {
    const setup = configToSetup(config);
    return { setup: stored.earlier && setup.landscape === undefined ? { ...setup, landscape: defaultLandscape(setup.task) } : setup };
  } catch (error) {
    const problems = error instanceof ConfigError ? error.problems.join('; ') : String(error);
    return { error: `The setup remembered from your last visit is not a valid run config (${problems}); ${DROPPED}` };
  }
}
