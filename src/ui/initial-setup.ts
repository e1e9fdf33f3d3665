// Which setup the page opens with: a link's (checked), else the last visit's (checked), else
// the default. A broken link or remembered setup is explained, never silently ignored.

import type { RememberedSetup } from './remembered-setup';
import { setupFromUrl } from './share-url';
import type { Setup } from './setup';

export interface InitialSetup {
  /** The setup to apply, or null to keep the default. */
  setup: Setup | null;
  /** What the user should know about a link or remembered setup that could not be used. */
  notice: string | null;
}

export function initialSetup(pageUrl: string, remembered: RememberedSetup | null): InitialSetup {
  const fromLink = setupFromUrl(pageUrl);
  const rememberedSetup = remembered && 'setup' in remembered ? remembered.setup : null;
  const rememberedError = remembered && 'error' in remembered ? remembered.error : null;
  if (fromLink && 'setup' in fromLink) return { setup: fromLink.setup, notice: null };
  if (fromLink) {
    const kept = rememberedError ?? 'The page kept your previous setup.';
    return { setup: rememberedSetup, notice: `${fromLink.error} ${kept}` };
  }
  return { setup: rememberedSetup, notice: rememberedError };
}
