import { describe, expect, it } from 'vitest';
import { DEVICE_CHECK_TOLERANCE, deviceCheckPassed } from './device-check';

describe('deviceCheckPassed', () => {
  const close = { worstRelativeError: 2e-5, gpuLoss: 2.302586, referenceLoss: 2.302585 };

  it('passes a device within the tolerance of the reference', () => {
    expect(deviceCheckPassed(close)).toBe(true);
  });

  it('fails a gradient at the tolerance, or a NaN one', () => {
    expect(deviceCheckPassed({ ...close, worstRelativeError: DEVICE_CHECK_TOLERANCE.gradient })).toBe(false);
    expect(deviceCheckPassed({ ...close, worstRelativeError: NaN })).toBe(false);
  });

  it('holds the loss to the tolerance relative to losses above 1, absolute below', () => {
    expect(deviceCheckPassed({ ...close, gpuLoss: close.referenceLoss * (1 + 0.5 * DEVICE_CHECK_TOLERANCE.loss) })).toBe(true);
    expect(deviceCheckPassed({ ...close, gpuLoss: close.referenceLoss * (1 + 2 * DEVICE_CHECK_TOLERANCE.loss) })).toBe(false);
    expect(deviceCheckPassed({ ...close, gpuLoss: 0.1 + 2 * DEVICE_CHECK_TOLERANCE.loss, referenceLoss: 0.1 })).toBe(false);
    expect(deviceCheckPassed({ ...close, gpuLoss: NaN })).toBe(false);
  });
});
