import { describe, expect, it } from 'vitest';
import { channelMeanStd } from './image-stats';

describe('channelMeanStd', () => {
  it('gives per-channel population statistics of pixels scaled to [0, 1]', () => {
    // Two images: red plane all 0 then all 255, green all 51, blue half 0 and half 255 in each.
    const images = new Uint8Array(2 * 3072);
    images.fill(255, 3072, 3072 + 1024);
    images.fill(51, 1024, 2048);
    images.fill(51, 3072 + 1024, 3072 + 2048);
    images.fill(255, 2048, 2048 + 512);
    images.fill(255, 3072 + 2048, 3072 + 2048 + 512);
    const { mean, std } = channelMeanStd(images);
    expect(mean).toEqual([0.5, 0.2, 0.5]);
    expect(std).toEqual([0.5, 0, 0.5]);
  });

  it('matches a direct computation on uneven values', () => {
    const images = Uint8Array.from({ length: 3 * 3072 }, (_, i) => (i * i + 7 * i) % 251);
    const { mean, std } = channelMeanStd(images);
    for (let channel = 0; channel < 3; channel++) {
      const values: number[] = [];
      for (let image = 0; image < 3; image++) for (let p = 0; p < 1024; p++) values.push(images[image * 3072 + channel * 1024 + p] / 255);
      const m = values.reduce((a, b) => a + b, 0) / values.length;
      const s = Math.sqrt(values.reduce((a, v) => a + (v - m) ** 2, 0) / values.length);
      expect(mean[channel]).toBeCloseTo(m, 12);
      expect(std[channel]).toBeCloseTo(s, 12);
    }
    expect(mean[0]).not.toBeCloseTo(mean[1], 3);
  });
});
