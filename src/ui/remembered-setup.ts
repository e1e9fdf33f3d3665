// The setup of the last visit, kept in localStorage. It is written as the run config (the
// format of YAML files and links) and read back through the same schema, so an entry from an
// older version, another tab's damage or a hand edit is reported and dropped, never applied.

import { ConfigError } from '../engine/config/run-config';
import { configToSetup, setupToConfig, type Setup } from './setup';

export const SETUP_STORAGE_KEY = 'adafisher-playground:setup';

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
  } catch {
    // Storage full or disabled: the setup simply is not remembered.
  }
}

export function forgetRememberedSetup(storage: Storage | null): void {
  try {
    storage?.removeItem(SETUP_STORAGE_KEY);
  } catch {
    // Nothing to forget where storage is disabled.
  }
}

/** The remembered setup, a message saying why it cannot be used, or null when there is none. Never throws. */
export function readRememberedSetup(storage: Storage | null): RememberedSetup | null {
  let text: string | null;
  try {
    text = storage?.getItem(SETUP_STORAGE_KEY) ?? null;
  } catch {
    return null;
  }
  if (text === null) return null;
  let config: unknown;
  try {
    config = JSON.parse(text);
  } catch {
    return { error: `The setup remembered from your last visit is not valid JSON; ${DROPPED}` };
  }
  try {
    return { setup: configToSetup(config) };
  } catch (error) {
    const problems = error instanceof ConfigError ? error.problems.join('; ') : String(error);
    return { error: `The setup remembered from your last visit is not a valid run config (${problems}); ${DROPPED}` };
  }
}
