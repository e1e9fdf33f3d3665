import { describe, expect, it } from 'vitest';
import { parseRunConfig } from '../engine/config/run-config';
import { DEFAULT_SETUP_CONFIG } from '../engine/bench/bench-configs';
import { defaultSetup, setupToConfig } from './setup';

describe("the bench's first-step setup", () => {
  it("is the page's default image setup", () => {
    expect(parseRunConfig(DEFAULT_SETUP_CONFIG)).toEqual(parseRunConfig(setupToConfig(defaultSetup('image-classification'))));
  });
});
