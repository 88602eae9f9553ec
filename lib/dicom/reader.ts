/**
 * The DICOM data set reader (PS3.5 section 7): elements, sequences, items and encapsulated
 * pixel data, Explicit/Implicit VR, little and big endian. It builds dicom-parser DataSet and
 * Element objects (the shapes the rest of the code reads), but does its own walking so that:
 *
 *  - every failure names the byte offset and tag where parsing stopped (MalformedAt), and a
 *    read that runs off the end of the bytes held says so (OutOfBytes) with the offset needed,
 *    so a ranged header read knows what to fetch next;
 *  - OV, SV and UV (and OD, OL, UC, UR, UT) have 4-byte lengths in Explicit VR (PS3.5 7.1.2),
 *    which dicom-parser 1.8 reads as 2-byte;
 *  - the header read stops at the first top-level Pixel Data, Float Pixel Data or Double
 *    Float Pixel Data (PS3.3 C.7.6.3), having read its tag and length but not its value;
 *  - a data set whose first element contradicts the declared VR encoding (explicit declared,
 *    implicit written, or the reverse) is read the way it is written, as pydicom does
 *    (pydicom.filereader._is_implicit_vr), per data set, items included.
 */
import dicomParser, { type DataSet, type Element } from 'dicom-parser';
import type { VrLookup } from './vr-lookup.js';

/** Where parsing failed: the offset of the element (or item) and its tag when known. */
export class MalformedAt extends Error {
  constructor(
    readonly offset: number,
    readonly tag: string | undefined,
    readonly reason: string,
  ) {
    super(`${reason} (at byte ${offset}${tag ? `, tag ${tag}` : ''})`);
    this.name = 'MalformedAt';
  }
}

/** The bytes held end before the structure does; `needed` is an offset that must be held to go on. */
export class OutOfBytes extends Error {
  constructor(
    readonly needed: number,
    readonly reason: string,
  ) {
    super(`${reason} (needs bytes up to ${needed})`);
    this.name = 'OutOfBytes';
  }
}

export const VALID_VRS: ReadonlySet<string> = new Set(
  'AE AS AT CS DA DS DT FD FL IS LO LT OB OD OF OL OV OW PN SH SL SQ SS ST SV TM UC UI UL UN UR US UT UV'.split(' '),
);
/** Explicit VRs with a 2-byte reserved field and a 4-byte length (PS3.5 7.1.2, Table 7.1-1). */
const LONG_LENGTH_VRS: ReadonlySet<string> = new Set('OB OD OF OL OV OW SQ SV UC UN UR UT UV'.split(' '));

export const PIXEL_TAGS: ReadonlySet<string> = new Set(['x7fe00010', 'x7fe00008', 'x7fe00009']);
const UNDEFINED = 0xffffffff;
const ITEM = 'xfffee000';
const ITEM_DELIMITER = 'xfffee00d';
const SEQUENCE_DELIMITER = 'xfffee0dd';
const MAX_DEPTH = 64;

export interface Encoding {
  implicit: boolean;
  littleEndian: boolean;
}

export interface ReaderOptions {
  /** Whether the bytes are the whole stream. When false, running off the end throws OutOfBytes. */
  complete: boolean;
  vrLookup?: VrLookup;
  /** Stop at the first top-level pixel element: its tag and length are read, its value is not. */
  stopAtPixelData?: boolean;
  /** Detect a data set written with the other VR encoding than declared (pydicom's heuristic). */
  detectEncoding?: boolean;
}

export interface ReadResult {
  elements: Record<string, Element>;
  /** Offset after the last element read. */
  end: number;
  /** The top-level pixel element the read stopped at (stopAtPixelData). */
  stoppedAt?: Element;
  /** The encoding the data set was actually read with (differs when detection switched it). */
  encoding: Encoding;
}

type ByteArrayParser = typeof dicomParser.littleEndianByteArrayParser;
const DataSetClass = (dicomParser as unknown as {
  DataSet: new (parser: ByteArrayParser, byteArray: Uint8Array, elements: Record<string, Element>) => DataSet;
}).DataSet;

/** A dicom-parser DataSet (its typed accessors: string(), uint16()...) over our elements. */
export function makeDataSet(bytes: Uint8Array, littleEndian: boolean, elements: Record<string, Element>): DataSet {
  return new DataSetClass(littleEndian ? dicomParser.littleEndianByteArrayParser : dicomParser.bigEndianByteArrayParser, bytes, elements);
}

const hex4 = (n: number): string => n.toString(16).padStart(4, '0');
/** 'GGGGEEEE' for error details. */
export const displayTag = (parserTag: string): string => parserTag.slice(1).toUpperCase();

class Reader {
  readonly dv: DataView;
  readonly warnings: string[] = [];

  constructor(
    readonly bytes: Uint8Array,
    readonly options: ReaderOptions,
  ) {
    this.dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  get end(): number {
    return this.bytes.length;
  }

  /** Ensures [at, at + n) is held; otherwise OutOfBytes (partial) or MalformedAt (complete). */
  need(at: number, n: number, offset: number, tag: string | undefined, what: string): void {
    if (at + n <= this.end) return;
    if (!this.options.complete) throw new OutOfBytes(at + n, what);
    throw new MalformedAt(offset, tag && displayTag(tag), `${what}: it runs past the end of the data (${this.end} bytes)`);
  }

  u16(at: number, le: boolean): number {
    return this.dv.getUint16(at, le);
  }

  u32(at: number, le: boolean): number {
    return this.dv.getUint32(at, le);
  }

  tagAt(at: number, le: boolean): string {
    return `x${hex4(this.u16(at, le))}${hex4(this.u16(at + 2, le))}`;
  }

  vrAt(at: number): string {
    return String.fromCharCode(this.bytes[at], this.bytes[at + 1]);
  }

  /** pydicom's test: an explicit VR is two bytes in 'A'-'Z'. */
  looksExplicit(at: number): boolean {
    const a = this.bytes[at];
    const b = this.bytes[at + 1];
    return a > 0x40 && a < 0x5b && b > 0x40 && b < 0x5b;
  }

  /**
   * Reads a data set from `start` to `limit` (defined length), or to its Item Delimitation
   * Item (limit undefined: an undefined-length item), or to the end of the bytes (top level).
   */
  dataSet(start: number, limit: number | undefined, enc: Encoding, depth: number, top: boolean, itemAt?: number): ReadResult {
    if (depth > MAX_DEPTH) throw new MalformedAt(start, undefined, `sequences nested deeper than ${MAX_DEPTH} levels`);
    const elements: Record<string, Element> = {};
    let encoding = enc;
    if (this.options.detectEncoding !== false && encoding.littleEndian && start + 6 <= this.end && (limit === undefined || start + 6 <= limit)) {
      const tag = this.tagAt(start, true);
      if (!tag.startsWith('xfffe')) {
        const explicit = this.looksExplicit(start + 4);
        if (explicit === encoding.implicit) {
          this.warnings.push(
            `data set at byte ${start} is written ${explicit ? 'explicit' : 'implicit'} VR although ${encoding.implicit ? 'implicit' : 'explicit'} VR was declared; read as written`,
          );
          encoding = { implicit: !explicit, littleEndian: true };
        }
      }
    }
    const le = encoding.littleEndian;
    let pos = start;
    for (;;) {
      if (limit !== undefined && pos >= limit) {
        if (pos > limit) throw new MalformedAt(pos, undefined, `an element runs past the end of its item (byte ${limit})`);
        break;
      }
      if (limit === undefined && top) {
        // Top level: stop at the end; fewer than 8 bytes left is trailing garbage (pydicom stops too).
        if (pos + 8 > this.end) {
          if (!this.options.complete) throw new OutOfBytes(pos + 8, 'the data set continues past the bytes read');
          break;
        }
      } else {
        this.need(pos, 8, itemAt ?? pos, ITEM, limit === undefined
          ? 'an item of undefined length has no Item Delimitation Item (FFFE,E00D)'
          : 'an element header');
      }
      const tag = this.tagAt(pos, le);
      if (tag.startsWith('xfffe')) {
        // Items and delimiters carry no VR in any transfer syntax (PS3.5 7.5).
        const length = this.u32(pos + 4, le);
        if (tag === ITEM_DELIMITER) {
          if (limit === undefined && !top) return { elements, end: pos + 8, encoding };
          pos += 8; // stray delimiter inside a defined-length item: ignored, as dcmtk and pydicom do
          continue;
        }
        if (tag === SEQUENCE_DELIMITER) {
          if (!top && limit === undefined) {
            throw new MalformedAt(pos, displayTag(tag), 'a Sequence Delimitation Item ends an item that has no Item Delimitation Item');
          }
          pos += 8;
          continue;
        }
        throw new MalformedAt(pos, displayTag(tag), `an Item (FFFE,E000) outside a sequence${length === UNDEFINED ? '' : ''}`);
      }
      const element = this.element(pos, tag, encoding, depth, top, limit);
      if (elements[tag] === undefined) elements[tag] = element;
      else this.warnings.push(`duplicate element ${displayTag(tag)} at byte ${pos}; the first is kept`);
      if (top && this.options.stopAtPixelData && PIXEL_TAGS.has(tag)) {
        return { elements, end: element.dataOffset, stoppedAt: element, encoding };
      }
      pos = (element as Element & { end: number }).end;
      delete (element as Partial<Element & { end: number }>).end;
    }
    if (limit === undefined && !top) {
      throw new MalformedAt(itemAt ?? start, displayTag(ITEM), 'an item of undefined length has no Item Delimitation Item (FFFE,E00D)');
    }
    return { elements, end: pos, encoding };
  }

  /** One element at `pos` (not an item or delimiter); the returned object carries `end` transiently. */
  element(pos: number, tag: string, enc: Encoding, depth: number, top: boolean, limit: number | undefined): Element {
    const le = enc.littleEndian;
    let vr: string | undefined;
    let length: number;
    let dataOffset: number;
    if (enc.implicit) {
      length = this.u32(pos + 4, le);
      dataOffset = pos + 8;
    } else {
      vr = this.vrAt(pos + 4);
      if (!VALID_VRS.has(vr)) {
        const shown = /^[\x20-\x7e]{2}$/.test(vr) ? `"${vr}"` : `0x${hex4((this.bytes[pos + 4] << 8) | this.bytes[pos + 5])}`;
        throw new MalformedAt(pos, displayTag(tag), `unknown VR ${shown} in an Explicit VR data set (PS3.5 7.1.2)`);
      }
      if (LONG_LENGTH_VRS.has(vr)) {
        this.need(pos, 12, pos, tag, 'an element header');
        length = this.u32(pos + 8, le);
        dataOffset = pos + 12;
      } else {
        length = this.u16(pos + 6, le);
        dataOffset = pos + 8;
      }
    }
    const element = { tag, length, dataOffset } as Element & { end: number };
    if (vr !== undefined) element.vr = vr;
    const undefinedLength = length === UNDEFINED;
    if (undefinedLength) element.hadUndefinedLength = true;

    if (top && this.options.stopAtPixelData && PIXEL_TAGS.has(tag)) {
      element.end = dataOffset;
      return element;
    }

    const dictVr = enc.implicit ? this.options.vrLookup?.(tag) : undefined;
    const isSq = vr === 'SQ' || (enc.implicit && dictVr === 'SQ');
    if (isSq || (undefinedLength && tag !== 'x7fe00010' && this.startsWithItem(dataOffset, le))) {
      // Explicit UN (and unknown) sequences hold Implicit VR Little Endian items (PS3.5 6.2.2).
      const itemEnc: Encoding = vr !== undefined && vr !== 'SQ' ? { implicit: true, littleEndian: true } : enc;
      this.sequence(element, pos, itemEnc, depth, limit);
      return element;
    }
    if (enc.implicit && dictVr === undefined && !undefinedLength && length >= 8 && this.startsWithItem(dataOffset, le, dataOffset + length)) {
      // A private (or unknown) element of defined length holding items: a sequence whose VR only
      // a private dictionary knows. Reading its items finds its true end when its length lies
      // (fo-dicom GH626); if they do not parse, it stays a plain value.
      try {
        this.sequence(element, pos, enc, depth, limit);
        return element;
      } catch (e) {
        if (!(e instanceof MalformedAt)) throw e;
        delete element.items;
        element.length = length;
      }
    }
    if (undefinedLength) {
      if (tag === 'x7fe00010') this.encapsulated(element, pos, le);
      else this.untilSequenceDelimiter(element, pos, le);
      return element;
    }
    const end = dataOffset + length;
    if (limit !== undefined && end > limit) {
      throw new MalformedAt(pos, displayTag(tag), `the element length ${length} runs past the end of its item (byte ${limit})`);
    }
    this.need(dataOffset, length, pos, tag, `the element length ${length}`);
    element.end = end;
    return element;
  }

  startsWithItem(at: number, le: boolean, within?: number): boolean {
    if (within !== undefined && at + 4 > Math.min(within, this.end)) return false;
    if (at + 4 > this.end) {
      if (!this.options.complete) throw new OutOfBytes(at + 4, 'a value of undefined length');
      return false;
    }
    const tag = this.tagAt(at, le);
    return tag === ITEM || tag === SEQUENCE_DELIMITER;
  }

  sequence(element: Element & { end: number }, pos: number, enc: Encoding, depth: number, parentLimit: number | undefined): void {
    const undefinedLength = element.length === UNDEFINED;
    const limit = undefinedLength ? undefined : element.dataOffset + element.length;
    if (limit !== undefined) {
      if (parentLimit !== undefined && limit > parentLimit) {
        throw new MalformedAt(pos, displayTag(element.tag), `the sequence length ${element.length} runs past the end of its item (byte ${parentLimit})`);
      }
      this.need(element.dataOffset, element.length, pos, element.tag, `the sequence length ${element.length}`);
    }
    const le = enc.littleEndian;
    const items: NonNullable<Element['items']> = [];
    let at = element.dataOffset;
    for (;;) {
      if (limit !== undefined && at >= limit) {
        if (at > limit) throw new MalformedAt(pos, displayTag(element.tag), 'an item runs past the end of its sequence');
        element.end = limit;
        break;
      }
      this.need(at, 8, pos, element.tag, undefinedLength
        ? 'a sequence of undefined length has no Sequence Delimitation Item (FFFE,E0DD)'
        : 'an item header');
      const itemTag = this.tagAt(at, le);
      const itemLength = this.u32(at + 4, le);
      if (itemTag === SEQUENCE_DELIMITER) {
        if (undefinedLength) {
          element.length = at - element.dataOffset;
          element.end = at + 8;
          break;
        }
        at += 8;
        continue;
      }
      if (itemTag !== ITEM) {
        throw new MalformedAt(at, displayTag(itemTag), `expected an Item (FFFE,E000) in sequence ${displayTag(element.tag)}`);
      }
      const dataStart = at + 8;
      let result: ReadResult;
      let itemEnd: number;
      if (itemLength === UNDEFINED) {
        result = this.dataSet(dataStart, undefined, enc, depth + 1, false, at);
        itemEnd = result.end;
        if (limit !== undefined && itemEnd > limit) {
          // The item's delimiter lies past the sequence's stated end: the length is wrong by
          // a few bytes (fo-dicom GH626). The delimiters are the structure: trust them.
          this.warnings.push(`sequence ${displayTag(element.tag)} at byte ${pos}: its length ${element.length} ends inside an item; ends at the item's delimiter instead`);
          const dataSet = makeDataSet(this.bytes, result.encoding.littleEndian, result.elements);
          items.push({ tag: ITEM, length: itemEnd - dataStart, dataOffset: dataStart, dataSet, hadUndefinedLength: true } as NonNullable<Element['items']>[number]);
          element.length = itemEnd - element.dataOffset;
          element.end = itemEnd;
          break;
        }
      } else {
        itemEnd = dataStart + itemLength;
        if (limit !== undefined && itemEnd > limit) {
          throw new MalformedAt(at, displayTag(ITEM), `the item length ${itemLength} runs past the end of sequence ${displayTag(element.tag)}`);
        }
        this.need(dataStart, itemLength, at, ITEM, `the item length ${itemLength}`);
        result = this.dataSet(dataStart, itemEnd, enc, depth + 1, false, at);
      }
      const dataSet = makeDataSet(this.bytes, result.encoding.littleEndian, result.elements);
      const item = { tag: ITEM, length: itemEnd - dataStart, dataOffset: dataStart, dataSet } as NonNullable<Element['items']>[number];
      if (itemLength === UNDEFINED) item.hadUndefinedLength = true;
      items.push(item);
      at = itemEnd;
    }
    element.items = items;
  }

  /** Encapsulated Pixel Data (PS3.5 A.4): Basic Offset Table item, fragment items, delimiter. */
  encapsulated(element: Element & { end: number }, pos: number, le: boolean): void {
    const el = element as Element & { end: number; encapsulatedPixelData?: boolean; basicOffsetTable?: number[]; fragments?: Array<{ offset: number; position: number; length: number }> };
    el.encapsulatedPixelData = true;
    el.basicOffsetTable = [];
    el.fragments = [];
    let at = element.dataOffset;
    this.need(at, 8, pos, element.tag, 'the Basic Offset Table item of encapsulated Pixel Data');
    if (this.tagAt(at, le) !== ITEM) {
      throw new MalformedAt(at, displayTag(element.tag), 'encapsulated Pixel Data does not start with a Basic Offset Table item (PS3.5 A.4)');
    }
    const botLength = this.u32(at + 4, le);
    this.need(at + 8, botLength, at, element.tag, `the Basic Offset Table length ${botLength}`);
    for (let i = 0; i + 4 <= botLength; i += 4) el.basicOffsetTable.push(this.u32(at + 8 + i, le));
    at += 8 + botLength;
    const base = at;
    for (;;) {
      this.need(at, 8, pos, element.tag, 'encapsulated Pixel Data has no Sequence Delimitation Item (FFFE,E0DD)');
      const tag = this.tagAt(at, le);
      const length = this.u32(at + 4, le);
      if (tag === SEQUENCE_DELIMITER) {
        el.length = at + 8 - element.dataOffset; // as dicom-parser: the delimiter included
        el.end = at + 8;
        return;
      }
      if (tag !== ITEM) {
        throw new MalformedAt(at, displayTag(tag), 'expected a fragment Item (FFFE,E000) in encapsulated Pixel Data');
      }
      this.need(at + 8, length, at, ITEM, `the fragment length ${length}`);
      el.fragments.push({ offset: at - base, position: at + 8, length });
      at += 8 + length;
    }
  }

  /** A non-sequence value of undefined length ends at a Sequence Delimitation Item (PS3.5 7.1.3). */
  untilSequenceDelimiter(element: Element & { end: number }, pos: number, le: boolean): void {
    const [g, e] = le ? [0xfe, 0xff] : [0xff, 0xfe];
    const [g2, e2] = le ? [0xdd, 0xe0] : [0xe0, 0xdd];
    for (let at = element.dataOffset; at + 8 <= this.end; at++) {
      const b = this.bytes;
      if (b[at] === g && b[at + 1] === e && b[at + 2] === g2 && b[at + 3] === e2) {
        element.length = at - element.dataOffset;
        element.end = at + 8;
        return;
      }
    }
    if (!this.options.complete) throw new OutOfBytes(this.end + 1, 'a value of undefined length');
    throw new MalformedAt(pos, displayTag(element.tag), 'a value of undefined length has no Sequence Delimitation Item (FFFE,E0DD)');
  }
}

export interface ReadDataSetResult extends ReadResult {
  warnings: string[];
}

/** Reads the data set in `bytes` from `start` with the given encoding (see the module comment). */
export function readDataSet(bytes: Uint8Array, start: number, encoding: Encoding, options: ReaderOptions): ReadDataSetResult {
  const reader = new Reader(bytes, options);
  const result = reader.dataSet(start, undefined, encoding, 0, true);
  return { ...result, warnings: reader.warnings };
}

/**
 * Reads File Meta Information elements (group 0002, always Explicit VR Little Endian, PS3.10
 * 7.1) from `start` while the group is 0002.
 */
export function readFileMeta(bytes: Uint8Array, start: number, complete: boolean): { elements: Record<string, Element>; end: number } {
  const reader = new Reader(bytes, { complete, detectEncoding: false });
  const elements: Record<string, Element> = {};
  let pos = start;
  for (;;) {
    if (pos + 8 > bytes.length) {
      if (!complete) throw new OutOfBytes(pos + 8, 'the File Meta Information continues past the bytes read');
      if (pos < bytes.length) throw new MalformedAt(pos, undefined, 'the file ends inside a File Meta Information element header');
      break;
    }
    if (reader.u16(pos, true) !== 0x0002) break;
    const tag = reader.tagAt(pos, true);
    // Some writers put File Meta in Implicit VR: read it the way it is written.
    const enc: Encoding = { implicit: !reader.looksExplicit(pos + 4), littleEndian: true };
    const element = reader.element(pos, tag, enc, 0, false, undefined) as Element & { end: number };
    pos = element.end;
    delete (element as Partial<Element & { end: number }>).end;
    elements[tag] = element;
  }
  const groupLength = elements.x00020000;
  if (groupLength && groupLength.length === 4) {
    // File Meta Information Group Length (PS3.10 7.1) says where the meta ends.
    const metaEnd = groupLength.dataOffset + 4 + reader.u32(groupLength.dataOffset, true);
    if (metaEnd > bytes.length && complete) {
      throw new MalformedAt(pos, undefined, `the File Meta Information Group Length says the meta ends at byte ${metaEnd}, past the end of the file (${bytes.length} bytes): truncated`);
    }
  }
  return { elements, end: pos };
}
