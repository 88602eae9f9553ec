/**
 * Resolution of the ambiguous VRs of PS3.6 ('US or SS', 'OB or OW', 'US or OW',
 * 'US or SS or OW') when the file does not carry the VR: Implicit VR Little Endian, or an
 * explicit 'UN' of a standard tag (PS3.5 6.2.2). The rules are PS3.5 Annex A.1 (OB/OW is OW
 * in Implicit VR), PS3.3 C.7.6.3.1 / C.11.1.1.1 (US/SS follows Pixel Representation).
 */

/** What the resolver needs to know about the data set the element lives in. */
export interface AmbiguityContext {
  /** Pixel Representation (0028,0103) of the nearest enclosing data set that has one. */
  pixelRepresentation?: number;
  /** First value of LUT Descriptor (0028,3002) in the same data set. */
  lutDescriptorEntries?: number;
  /** Whether the element's length is undefined (encapsulated Pixel Data, PS3.5 A.4). */
  undefinedLength: boolean;
}

export function resolveAmbiguousVr(tag: string, dictionaryVr: string, ctx: AmbiguityContext): string {
  switch (dictionaryVr) {
    case 'US or SS':
      // Pixel Representation 0 = unsigned (PS3.3 C.7.6.3.1.5). Without one, and without
      // pixel data, none of these values describes pixels: US, as pydicom does.
      return ctx.pixelRepresentation === undefined || ctx.pixelRepresentation === 0 ? 'US' : 'SS';
    case 'OB or OW':
      // PS3.5 A.1: Implicit VR Little Endian pixel/overlay/waveform data is OW; encapsulated
      // Pixel Data (undefined length) is OB (PS3.5 A.4).
      return ctx.undefinedLength ? 'OB' : 'OW';
    case 'US or OW':
      // LUT Data (0028,3006): US when the LUT has a single entry, else OW (PS3.3 C.11.1.1.1).
      return tag === '00283006' && ctx.lutDescriptorEntries === 1 ? 'US' : 'OW';
    case 'US or SS or OW':
      // Retired Gray LUT Data (0028,1200): 16-bit table entries, words.
      return 'OW';
    default:
      return dictionaryVr;
  }
}

/**
 * LUT Descriptors (PS3.3 C.7.6.3.1.5, C.11.1.1.1): the first value (number of entries) is
 * always unsigned, even when the element is SS; 0 means 65536 and is left as written.
 */
export const LUT_DESCRIPTOR_TAGS: ReadonlySet<string> = new Set(['00281101', '00281102', '00281103', '00283002']);
