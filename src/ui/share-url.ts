// The setup in a link: the run config's JSON, deflated and written in base64url, in the page's
// query string. Opening the link validates it with the same schema as a YAML file, so a
// damaged or hand-edited link is reported, never half-applied.

import { deflateSync, inflateSync, strFromU8, strToU8 } from 'fflate';
import { ConfigError } from '../engine/config/run-config';
import { configToSetup, setupToConfig, type Setup } from './setup';

export const SETUP_PARAM = 'setup';

export type DecodedSetup = { setup: Setup } | { error: string };

const RETRY = 'ask for the link again or start from the defaults.';

export function encodeSetup(setup: Setup): string {
  return toBase64Url(deflateSync(strToU8(JSON.stringify(setupToConfig(setup))), { level: 9 }));
}

/** The page's URL with the setup in `?setup=`; other query parameters stay, the hash goes. */
export function shareLink(setup: Setup, pageUrl: string): string {
  const url = new URL(pageUrl);
  url.searchParams.set(SETUP_PARAM, encodeSetup(setup));
  url.hash = '';
  return url.toString();
}

/** The setup in a link's parameter, or a message that says the link is broken and what to do. Never throws. */
export function decodeSetup(param: string): DecodedSetup {
  const text = param.trim();
  if (text === '') return { error: `The link's setup is empty; ${RETRY}` };
  const bytes = fromBase64Url(text);
  if (!bytes) return { error: `The link's setup is not valid base64url (it may have been cut off when copied); ${RETRY}` };
  let json: string;
  try {
    json = strFromU8(inflateSync(bytes));
  } catch {
    return { error: `The link's setup could not be decompressed (it may have been cut off or changed when copied); ${RETRY}` };
  }
  let config: unknown;
  try {
    config = JSON.parse(json);
  } catch {
    return { error: `The link's setup is not valid JSON once decompressed (it may have been changed by hand); ${RETRY}` };
  }
  try {
    return { setup: configToSetup(config) };
  } catch (error) {
    const problems = error instanceof ConfigError ? error.problems.join('; ') : String(error);
    return { error: `The link's setup is not valid: ${problems}. Ask for a corrected link or start from the defaults.` };
  }
}

/** The setup in a URL's `?setup=`, an error for a broken one, or null when the URL carries none (or is not a URL). */
export function setupFromUrl(url: string): DecodedSetup | null {
  let param: string | null;
  try {
    param = new URL(url).searchParams.get(SETUP_PARAM);
  } catch {
    return null;
  }
  return param === null ? null : decodeSetup(param);
}

function toBase64Url(bytes: Uint8Array): string {
  let binary = '';
  // Chunks keep String.fromCharCode's argument count well under engines' limits.
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** Bytes of a base64url string without padding (padding is accepted too), or null if it is not one. */
function fromBase64Url(text: string): Uint8Array | null {
  const bare = text.replace(/=+$/, '');
  // A length of 1 mod 4 cannot come from whole bytes: the string was cut.
  if (!/^[A-Za-z0-9_-]*$/.test(bare) || bare.length % 4 === 1) return null;
  const binary = atob(bare.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (bare.length % 4)) % 4));
  return Uint8Array.from(binary, (char) => char.charCodeAt(0));
}
