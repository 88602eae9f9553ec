import { describe, expect, it } from 'vitest';
import { creatorKeyOf, creatorName } from '../../../lib/dicom/private-creator.js';

describe('creatorKeyOf (PS3.5 7.8.1)', () => {
  it('(gggg,xxEE) belongs to the creator (gggg,00xx)', () => {
    expect(creatorKeyOf('x00091001')).toBe('x00090010');
    expect(creatorKeyOf('x00191108')).toBe('x00190011');
    expect(creatorKeyOf('x2005ff0f')).toBe('x200500ff');
  });
  it('undefined for standard elements, creators and (gggg,0001-0FFF)', () => {
    expect(creatorKeyOf('x00081001')).toBeUndefined();
    expect(creatorKeyOf('x00090010')).toBeUndefined();
    expect(creatorKeyOf('x00090f01')).toBeUndefined();
    expect(creatorKeyOf('x00071001')).toBeUndefined(); // groups 0001-0007 may not be used (PS3.5 7.8.1)
    expect(creatorKeyOf('xffff1001')).toBeUndefined();
  });
});

describe('creatorName', () => {
  it('bytes as text; empty or longer than any LO is no creator', () => {
    expect(creatorName(new Uint8Array([0x47, 0x45, 0x20]))).toBe('GE ');
    expect(creatorName(new Uint8Array(0))).toBeUndefined();
    expect(creatorName(new Uint8Array(257).fill(0x41))).toBeUndefined();
  });
});
