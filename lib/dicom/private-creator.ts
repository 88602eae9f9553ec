/**
 * Which Private Creator a private data element belongs to (PS3.5 7.8.1): element (gggg,xxEE)
 * of an odd group gggg lies in the block xx (0x10-0xFF) that (gggg,00xx) reserved, and that
 * element's value, in the SAME data set or item, names the creator. The reader (implicit VR,
 * where SQ changes how the bytes are read) and the JSON model (the VR of a UN or implicit
 * private element, PS3.5 6.2.2) both ask here.
 */
import { isPrivateGroup } from './private-group.js';

/** LO holds at most 64 characters (PS3.5 Table 6.2-1); longer values name no known creator. */
const MAX_CREATOR_BYTES = 256;

/**
 * The key ('xgggg00xx') of the Private Creator that reserved the block of element key
 * `key` ('xggggxxee'), or undefined when `key` is not a private data element (a standard
 * element, a creator itself, or (gggg,0001-0FFF) which no block covers).
 */
export function creatorKeyOf(key: string): string | undefined {
  const group = parseInt(key.slice(1, 5), 16);
  if (!isPrivateGroup(group)) return undefined;
  const block = parseInt(key.slice(5, 7), 16);
  if (!(block >= 0x10)) return undefined;
  return `x${key.slice(1, 5)}00${key.slice(5, 7)}`;
}

/**
 * A creator value as text. Creators are plain ASCII in practice; bytes map one to one
 * (Latin-1) so nothing can fail, and privateEntry strips the LO padding (PS3.5 6.2).
 */
export function creatorName(value: Uint8Array): string | undefined {
  if (value.length === 0 || value.length > MAX_CREATOR_BYTES) return undefined;
  let s = '';
  for (let i = 0; i < value.length; i++) s += String.fromCharCode(value[i]);
  return s;
}
