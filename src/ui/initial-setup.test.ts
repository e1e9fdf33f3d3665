import { describe, expect, it } from 'vitest';
import { landscapeSchema } from '../engine/config/run-config';
import { initialSetup } from './initial-setup';
import { EARLIER_SETUP_STORAGE_KEY, readRememberedSetup } from './remembered-setup';
import { configToSetup, defaultSetup, setupToConfig } from './setup';
import { shareLink } from './share-url';
import { irisLandscapeSetup } from './testing/setup-fixtures';
import { memoryStorage } from './testing/test-playground';

const PAGE = 'http://localhost:4173/';
const linked = { ...defaultSetup('image-classification'), seed: 4 };
const remembered = { ...defaultSetup('language-modeling'), seed: 9 };
const broken = { error: 'The setup remembered from your last visit is not valid JSON; it was dropped and the page starts from the default setup.' };

describe('the setup the page opens with', () => {
  it("is a link's setup, whatever was remembered", () => {
    const link = shareLink(linked, PAGE);
    expect(initialSetup(link, { setup: remembered })).toEqual({ setup: expect.objectContaining({ seed: 4, task: 'image-classification' }), notice: null });
    expect(initialSetup(link, broken)).toEqual({ setup: expect.objectContaining({ seed: 4 }), notice: null });
  });

  it('is the remembered setup without a link, or the default (null) without either', () => {
    expect(initialSetup(PAGE, { setup: remembered })).toEqual({ setup: remembered, notice: null });
    expect(initialSetup(PAGE, null)).toEqual({ setup: null, notice: null });
  });

  it('is the default with a notice when the remembered setup is invalid', () => {
    expect(initialSetup(PAGE, broken)).toEqual({ setup: null, notice: broken.error });
  });

  it('keeps the previous setup under a broken link, saying so, and says too when that one was dropped', () => {
    const bad = `${PAGE}?setup=this-is-not-a-setup`;
    expect(initialSetup(bad, { setup: remembered })).toEqual({
      setup: remembered,
      notice: expect.stringMatching(/link.*The page kept your previous setup\.$/),
    });
    expect(initialSetup(bad, null)).toEqual({ setup: null, notice: expect.stringMatching(/The page kept your previous setup\.$/) });
    expect(initialSetup(bad, broken)).toEqual({ setup: null, notice: expect.stringMatching(/link.*remembered from your last visit is not valid JSON/) });
  });

  it("opens a link's Iris setup with its landscape, and a setup remembered before the landscape with the default one", () => {
    const iris = irisLandscapeSetup();
    expect(initialSetup(shareLink(iris, PAGE), { setup: remembered })).toEqual({ setup: configToSetup(setupToConfig(iris)), notice: null });
    const earlier = { ...setupToConfig(defaultSetup('image-classification')), landscape: undefined, seed: 2 };
    const read = readRememberedSetup(memoryStorage({ [EARLIER_SETUP_STORAGE_KEY]: JSON.stringify(earlier) }));
    const opened = initialSetup(PAGE, read);
    expect(opened.notice).toBeNull();
    expect(opened.setup).toMatchObject({ task: 'image-classification', seed: 2, landscape: landscapeSchema.parse({}) });
  });
});
