import { describe, expect, it } from 'vitest';
import { allocateOutput, outputMax, toOutputValue } from '../../../lib/render/output.js';

describe('output stage', () => {
  it('truncates like dcmtk and clamps to [0, max]', () => {
    expect(toOutputValue(127.99, 255)).toBe(127);
    expect(toOutputValue(0.5, 255)).toBe(0);
    expect(toOutputValue(-3, 255)).toBe(0);
    expect(toOutputValue(255, 255)).toBe(255);
    expect(toOutputValue(300, 255)).toBe(255);
    expect(toOutputValue(Number.NaN, 255)).toBe(0);
    expect(toOutputValue(65534.9, 65535)).toBe(65534);
  });

  it('sizes the output for the bit depth', () => {
    expect(outputMax(8)).toBe(255);
    expect(outputMax(16)).toBe(65535);
    expect(allocateOutput(8, 4)).toBeInstanceOf(Uint8Array);
    expect(allocateOutput(16, 4)).toBeInstanceOf(Uint16Array);
  });
});
