/**
 * The DICOM data set reader (PS3.5 section 7): elements, sequences, items and encapsulated
 * pixel data, Explicit/Implicit VR, little and big endian. It is the parser: it builds the
 * DataSet and Element objects of data-set.ts (their value readers come from
 * dicom-parser-adapter.ts) and walks the bytes itself so that:
 *
 *  - every failure names the byte offset and tag where parsing stopped (MalformedAt), and a
 *    read that runs off the end of the bytes held says so (OutOfBytes) with the offset needed,
 *    so a ranged header read knows what to fetch next;
 *  - OV, SV and UV (and OD, OL, UC, UR, UT) have 4-byte lengths in Explicit VR (PS3.5 7.1.2),
 *    which dicom-parser 1.8's own walker read as 2-byte;
 *  - the header read stops at the first top-level Pixel Data, Float Pixel Data or Double
 *    Float Pixel Data (PS3.3 C.7.6.3), having read its tag and length but not its value;
 *  - a data set whose first element contradicts the declared VR encoding (explicit declared,
 *    implicit written, or the reverse) is read the way it is written, as pydicom does
 *    (pydicom.filereader._is_implicit_vr), per data set, items included;
 *  - in Implicit VR a private data element's VR comes from the private dictionary, asked with
 *    the value of its Private Creator in the same data set or item (PS3.5 7.8.1): it must be
 *    known while reading, since a private SQ of defined length is read as items. When the
 *    dictionary's SQ does not read as one, the value stays a value (UN) instead of failing;
 *  - with `salvage` on a complete stream, damage at the top level ends the read instead of
 *    failing it (ReadResult.damage): Pixel Data cut short is kept with the bytes that are there,
 *    a sequence that runs past the end and an Item outside any sequence end the data set before
 *    them. What was read before the damage is kept, as pydicom reads it.
 */
import type { Element, Fragment, Item } from './data-set.js';
import { makeDataSet } from './dicom-parser-adapter.js';
import { creatorKeyOf, creatorName } from './private-creator.js';
import { PIXEL_DATA_TAG, PIXEL_TAGS, VALID_VRS, elementKey, tagOfKey } from './tag.js';
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

/** A structure that runs past the end of a complete stream (the file is cut short there). */
export class PastEnd extends MalformedAt {
  constructor(offset: number, tag: string | undefined, reason: string) {
    super(offset, tag, reason);
    this.name = 'PastEnd';
  }
}

/**
 * What a salvaging read found damaged (ReaderOptions.salvage): a code, the byte offset where
 * the damaged structure starts (of the file, or of the inflated data set), its tag, and a
 * sentence naming only tags, offsets and lengths (never a value).
 */
export interface Damage {
  code: DamageCode;
  offset: number;
  /** 'GGGGEEEE' of the damaged element, when it has one. */
  tag?: string;
  message: string;
}

/**
 * - TruncatedPixelData: the top-level Pixel Data value (or its last fragment, PS3.5 A.4) ends
 *   past the end of the file; the bytes that are there are kept.
 * - SequencePastEnd: a top-level sequence of defined or undefined length (PS3.5 7.5) runs past
 *   the end of the file; it and what follows are missing.
 * - ItemOutsideSequence: an Item (FFFE,E000) where a data element must be (PS3.5 7.5); the data
 *   set ends before it.
 */
export type DamageCode = 'TruncatedPixelData' | 'SequencePastEnd' | 'ItemOutsideSequence';

/** Explicit VRs with a 2-byte reserved field and a 4-byte length (PS3.5 7.1.2, Table 7.1-1). */
const LONG_LENGTH_VRS: ReadonlySet<string> = new Set('OB OD OF OL OV OW SQ SV UC UN UR UT UV'.split(' '));

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
  /**
   * Content that is not what its tag says (a sequence read from UN, PS3.5 6.2.2): an element
   * or item length that runs past its item, sequence or the bytes is cut to them instead of
   * failing, so the values that are there can still be shown.
   */
  lenient?: boolean;
  /** With `complete`: keep what was read before damage at the top level (module comment, ReadResult.damage). */
  salvage?: boolean;
}

export interface ReadResult {
  elements: Record<string, Element>;
  /** Offset after the last element read. */
  end: number;
  /** The top-level pixel element the read stopped at (stopAtPixelData). */
  stoppedAt?: Element;
  /** The encoding the data set was actually read with (differs when detection switched it). */
  encoding: Encoding;
  /** What a salvaging read found damaged (ReaderOptions.salvage); empty otherwise. */
  damage?: Damage[];
}

/** An element read, and the offset after it (its value, or its delimiter). */
interface Read {
  element: Element;
  end: number;
}

const hex4 = (n: number): string => n.toString(16).padStart(4, '0');

class Reader {
  readonly dv: DataView;
  readonly warnings: string[] = [];
  readonly damage: Damage[] = [];
  /** Private Creator values decoded so far, by their element. */
  readonly creatorNames = new WeakMap<Element, string | undefined>();

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
    throw new PastEnd(offset, tag && tagOfKey(tag), `${what}: it runs past the end of the data (${this.end} bytes)`);
  }

  u16(at: number, le: boolean): number {
    return this.dv.getUint16(at, le);
  }

  u32(at: number, le: boolean): number {
    return this.dv.getUint32(at, le);
  }

  tagAt(at: number, le: boolean): string {
    return elementKey(this.u16(at, le), this.u16(at + 2, le));
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
        if (tag === ITEM_DELIMITER) {
          if (limit === undefined && !top) return { elements, end: pos + 8, encoding };
          pos += 8; // stray delimiter inside a defined-length item: ignored, as dcmtk and pydicom do
          continue;
        }
        if (tag === SEQUENCE_DELIMITER) {
          if (!top && limit === undefined) {
            throw new MalformedAt(pos, tagOfKey(tag), 'a Sequence Delimitation Item ends an item that has no Item Delimitation Item');
          }
          pos += 8;
          continue;
        }
        if (top && this.salvaging) {
          this.damage.push({
            code: 'ItemOutsideSequence',
            offset: pos,
            tag: 'FFFEE000',
            message: `An Item (FFFE,E000) stands outside any sequence at byte ${pos} (PS3.5 7.5); the data set is read up to it.`,
          });
          break;
        }
        throw new MalformedAt(pos, tagOfKey(tag), 'an Item (FFFE,E000) outside a sequence');
      }
      let read: Read;
      try {
        read = this.element(pos, tag, encoding, depth, top, limit, elements);
      } catch (e) {
        const damage = top && this.salvaging && e instanceof PastEnd ? this.damageOf(e, pos, tag, encoding, elements) : undefined;
        if (!damage) throw e;
        this.damage.push(damage);
        break;
      }
      const { element, end } = read;
      if (elements[tag] === undefined) elements[tag] = element;
      else this.warnings.push(`duplicate element ${tagOfKey(tag)} at byte ${pos}; the first is kept`);
      if (top && this.options.stopAtPixelData && PIXEL_TAGS.has(tag)) {
        return { elements, end: element.dataOffset, stoppedAt: element, encoding };
      }
      pos = end;
    }
    if (limit === undefined && !top) {
      throw new MalformedAt(itemAt ?? start, tagOfKey(ITEM), 'an item of undefined length has no Item Delimitation Item (FFFE,E00D)');
    }
    return { elements, end: pos, encoding };
  }

  /** Whether top-level damage is recorded instead of thrown (ReaderOptions.salvage). */
  get salvaging(): boolean {
    return this.options.salvage === true && this.options.complete;
  }

  /**
   * The damage a PastEnd thrown while reading the top-level element at `pos` stands for: a
   * sequence (SQ, a dictionary SQ in Implicit VR, or any undefined length, which only sequences
   * and encapsulated pixel data may have, PS3.5 7.1.3) or the pixel data element. Undefined for
   * any other element: a plain value running past the end stays MalformedDicom.
   */
  damageOf(e: PastEnd, pos: number, tag: string, enc: Encoding, elements: Record<string, Element>): Damage | undefined {
    const t = tagOfKey(tag);
    if (PIXEL_TAGS.has(tag)) {
      return { code: 'TruncatedPixelData', offset: pos, tag: t, message: `The pixel data element (${t.slice(0, 4)},${t.slice(4)}) at byte ${pos} runs past the end of the file (${this.end} bytes): its value is missing.` };
    }
    const le = enc.littleEndian;
    let vr: string | undefined;
    let length: number | undefined;
    if (enc.implicit) {
      length = this.u32(pos + 4, le);
      vr = this.dictionaryVr(tag, elements);
    } else {
      vr = this.vrAt(pos + 4);
      if (LONG_LENGTH_VRS.has(vr) && pos + 12 <= this.end) length = this.u32(pos + 8, le);
    }
    if (vr !== 'SQ' && length !== UNDEFINED) return undefined;
    const kind = length === UNDEFINED ? 'undefined' : 'defined';
    return {
      code: 'SequencePastEnd',
      offset: pos,
      tag: t,
      message:
        `The sequence (${t.slice(0, 4)},${t.slice(4)}) of ${kind} length at byte ${pos} runs past the end of the file (${this.end} bytes) ` +
        `(${e.reason}, at byte ${e.offset}); it and the elements after it are missing.`,
    };
  }

  /** Whether lengths that run past their bounds are cut to them (ReaderOptions.lenient). */
  get lenient(): boolean {
    return this.options.lenient === true;
  }

  /**
   * The dictionary VR of an element read in Implicit VR. A private data element is asked
   * with its creator, the value of (gggg,00xx) among `elements`, the data set being read
   * (PS3.5 7.8.1); without one it is unknown.
   */
  dictionaryVr(tag: string, elements: Record<string, Element> | undefined): string | undefined {
    const lookup = this.options.vrLookup;
    if (!lookup) return undefined;
    const creatorKey = creatorKeyOf(tag);
    if (creatorKey === undefined) return lookup(tag);
    const creator = elements?.[creatorKey];
    if (!creator || creator.items) return undefined;
    // A creator's block holds many elements: decode its value once.
    let name = this.creatorNames.get(creator);
    if (name === undefined && !this.creatorNames.has(creator)) {
      name = creatorName(this.bytes.subarray(creator.dataOffset, creator.dataOffset + creator.length));
      this.creatorNames.set(creator, name);
    }
    return name === undefined ? undefined : lookup(tag, name);
  }

  /**
   * One element at `pos` (not an item or delimiter), and the offset after it. `elements` are
   * those read so far in its data set (for a private element's creator).
   */
  element(pos: number, tag: string, enc: Encoding, depth: number, top: boolean, limit: number | undefined, elements?: Record<string, Element>): Read {
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
        throw new MalformedAt(pos, tagOfKey(tag), `unknown VR ${shown} in an Explicit VR data set (PS3.5 7.1.2)`);
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
    const element: Element = { tag, length, dataOffset };
    if (vr !== undefined) element.vr = vr;
    const undefinedLength = length === UNDEFINED;
    if (undefinedLength) element.hadUndefinedLength = true;

    if (top && this.options.stopAtPixelData && PIXEL_TAGS.has(tag)) return { element, end: dataOffset };

    const dictVr = enc.implicit ? this.dictionaryVr(tag, elements) : undefined;
    const isSq = vr === 'SQ' || (enc.implicit && dictVr === 'SQ');
    if (isSq || (undefinedLength && tag !== PIXEL_DATA_TAG && this.startsWithItem(dataOffset, le))) {
      // Explicit UN (and unknown) sequences hold Implicit VR Little Endian items (PS3.5 6.2.2).
      const itemEnc: Encoding = vr !== undefined && vr !== 'SQ' ? { implicit: true, littleEndian: true } : enc;
      // Only a private dictionary says this is a sequence: it may be wrong about this file (or
      // the creator's block reused), so a value that does not read as items stays a value.
      const onlyPrivateDictionarySaysSq =
        vr === undefined && creatorKeyOf(tag) !== undefined && !(undefinedLength && this.startsWithItem(dataOffset, le));
      if (!onlyPrivateDictionarySaysSq) return this.sequence(element, pos, itemEnc, depth, limit);
      try {
        return this.sequence({ ...element }, pos, itemEnc, depth, limit);
      } catch (e) {
        if (!(e instanceof MalformedAt)) throw e;
      }
    }
    if (enc.implicit && dictVr === undefined && !undefinedLength && length >= 8 && this.startsWithItem(dataOffset, le, dataOffset + length)) {
      // A private (or unknown) element of defined length holding items: a sequence whose VR only
      // a private dictionary knows. Reading its items finds its true end when its length lies
      // (fo-dicom GH626); if they do not parse, it stays a plain value.
      try {
        return this.sequence({ ...element }, pos, enc, depth, limit);
      } catch (e) {
        if (!(e instanceof MalformedAt)) throw e;
      }
    }
    if (undefinedLength) {
      return tag === PIXEL_DATA_TAG ? this.encapsulated(element, pos, le, top && this.salvaging) : this.untilSequenceDelimiter(element, pos, le);
    }
    let end = dataOffset + length;
    if (limit !== undefined && end > limit) {
      if (!this.lenient) {
        throw new MalformedAt(pos, tagOfKey(tag), `the element length ${length} runs past the end of its item (byte ${limit})`);
      }
      end = Math.max(dataOffset, limit);
      element.length = end - dataOffset;
    }
    if (this.lenient && end > this.end) {
      end = Math.max(dataOffset, this.end);
      element.length = end - dataOffset;
    }
    if (top && this.salvaging && PIXEL_TAGS.has(tag) && end > this.end) {
      // Pixel Data cut short: keep what is there, so complete frames still render (lib/pixels).
      const present = Math.max(0, this.end - dataOffset);
      element.length = present;
      const t = tagOfKey(tag);
      this.damage.push({
        code: 'TruncatedPixelData',
        offset: pos,
        tag: t,
        message: `Pixel data (${t.slice(0, 4)},${t.slice(4)}) at byte ${pos} declares ${length} bytes but the file ends after ${present} of them.`,
      });
      return { element, end: this.end };
    }
    this.need(dataOffset, element.length, pos, tag, `the element length ${length}`);
    return { element, end };
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

  /** The items of sequence `element` (PS3.5 7.5), set on it; its length becomes the one found when undefined. */
  sequence(element: Element, pos: number, enc: Encoding, depth: number, parentLimit: number | undefined): Read {
    const undefinedLength = element.length === UNDEFINED;
    let limit = undefinedLength ? undefined : element.dataOffset + element.length;
    if (limit !== undefined) {
      if (parentLimit !== undefined && limit > parentLimit) {
        if (!this.lenient) {
          throw new MalformedAt(pos, tagOfKey(element.tag), `the sequence length ${element.length} runs past the end of its item (byte ${parentLimit})`);
        }
        limit = Math.max(element.dataOffset, parentLimit);
      }
      if (this.lenient && limit > this.end) limit = Math.max(element.dataOffset, this.end);
      element.length = limit - element.dataOffset;
      this.need(element.dataOffset, element.length, pos, element.tag, `the sequence length ${element.length}`);
    }
    const le = enc.littleEndian;
    const items: Item[] = [];
    let at = element.dataOffset;
    let end: number;
    for (;;) {
      if (limit !== undefined && at >= limit) {
        if (at > limit) throw new MalformedAt(pos, tagOfKey(element.tag), 'an item runs past the end of its sequence');
        end = limit;
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
          end = at + 8;
          break;
        }
        at += 8;
        continue;
      }
      if (itemTag !== ITEM) {
        throw new MalformedAt(at, tagOfKey(itemTag), `expected an Item (FFFE,E000) in sequence ${tagOfKey(element.tag)}`);
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
          this.warnings.push(`sequence ${tagOfKey(element.tag)} at byte ${pos}: its length ${element.length} ends inside an item; ends at the item's delimiter instead`);
          const dataSet = makeDataSet(this.bytes, result.encoding.littleEndian, result.elements);
          items.push({ tag: ITEM, length: itemEnd - dataStart, dataOffset: dataStart, dataSet, hadUndefinedLength: true });
          element.length = itemEnd - element.dataOffset;
          end = itemEnd;
          break;
        }
      } else {
        itemEnd = dataStart + itemLength;
        if (limit !== undefined && itemEnd > limit) {
          if (!this.lenient) {
            throw new MalformedAt(at, tagOfKey(ITEM), `the item length ${itemLength} runs past the end of sequence ${tagOfKey(element.tag)}`);
          }
          itemEnd = Math.max(dataStart, limit);
        }
        if (this.lenient && itemEnd > this.end) itemEnd = Math.max(dataStart, this.end);
        this.need(dataStart, itemEnd - dataStart, at, ITEM, `the item length ${itemLength}`);
        result = this.dataSet(dataStart, itemEnd, enc, depth + 1, false, at);
      }
      const dataSet = makeDataSet(this.bytes, result.encoding.littleEndian, result.elements);
      const item: Item = { tag: ITEM, length: itemEnd - dataStart, dataOffset: dataStart, dataSet };
      if (itemLength === UNDEFINED) item.hadUndefinedLength = true;
      items.push(item);
      at = itemEnd;
    }
    element.items = items;
    return { element, end };
  }

  /**
   * Encapsulated Pixel Data (PS3.5 A.4): Basic Offset Table item, fragment items, delimiter.
   * `salvage` (top level of a salvaging read): a file that ends inside it keeps the fragments
   * that are there, the last one cut to the bytes present (Fragment.declaredLength says how
   * long it should be), and the damage is recorded.
   */
  encapsulated(element: Element, pos: number, le: boolean, salvage = false): Read {
    const basicOffsetTable: number[] = [];
    const fragments: Fragment[] = [];
    let at = element.dataOffset;
    const cut = (reason: string): Read => {
      element.length = this.end - element.dataOffset;
      Object.assign(element, { encapsulatedPixelData: true, basicOffsetTable, fragments, truncated: true });
      this.damage.push({
        code: 'TruncatedPixelData',
        offset: pos,
        tag: '7FE00010',
        message: `Encapsulated pixel data (7FE0,0010) at byte ${pos} is cut short: ${reason}; ${fragments.length} fragment(s) present.`,
      });
      return { element, end: this.end };
    };
    if (salvage && at + 8 > this.end) return cut(`the file (${this.end} bytes) ends before its Basic Offset Table item`);
    this.need(at, 8, pos, element.tag, 'the Basic Offset Table item of encapsulated Pixel Data');
    if (this.tagAt(at, le) !== ITEM) {
      throw new MalformedAt(at, tagOfKey(element.tag), 'encapsulated Pixel Data does not start with a Basic Offset Table item (PS3.5 A.4)');
    }
    const botLength = this.u32(at + 4, le);
    if (salvage && at + 8 + botLength > this.end) return cut(`the file (${this.end} bytes) ends inside its Basic Offset Table`);
    this.need(at + 8, botLength, at, element.tag, `the Basic Offset Table length ${botLength}`);
    for (let i = 0; i + 4 <= botLength; i += 4) basicOffsetTable.push(this.u32(at + 8 + i, le));
    at += 8 + botLength;
    const base = at;
    for (;;) {
      if (salvage && at + 8 > this.end) return cut(`the file (${this.end} bytes) ends at byte ${at} without a Sequence Delimitation Item (FFFE,E0DD)`);
      this.need(at, 8, pos, element.tag, 'encapsulated Pixel Data has no Sequence Delimitation Item (FFFE,E0DD)');
      const tag = this.tagAt(at, le);
      const length = this.u32(at + 4, le);
      if (tag === SEQUENCE_DELIMITER) {
        // The length counts the delimiter too, as dicom-parser's walker counted it.
        element.length = at + 8 - element.dataOffset;
        Object.assign(element, { encapsulatedPixelData: true, basicOffsetTable, fragments });
        return { element, end: at + 8 };
      }
      if (tag !== ITEM) {
        throw new MalformedAt(at, tagOfKey(tag), 'expected a fragment Item (FFFE,E000) in encapsulated Pixel Data');
      }
      if (salvage && at + 8 + length > this.end) {
        const present = this.end - (at + 8);
        fragments.push({ offset: at - base, position: at + 8, length: present, declaredLength: length });
        return cut(`fragment ${fragments.length} at byte ${at} declares ${length} bytes, ${present} present`);
      }
      this.need(at + 8, length, at, ITEM, `the fragment length ${length}`);
      fragments.push({ offset: at - base, position: at + 8, length });
      at += 8 + length;
    }
  }

  /** A non-sequence value of undefined length ends at a Sequence Delimitation Item (PS3.5 7.1.3). */
  untilSequenceDelimiter(element: Element, pos: number, le: boolean): Read {
    const [g, e] = le ? [0xfe, 0xff] : [0xff, 0xfe];
    const [g2, e2] = le ? [0xdd, 0xe0] : [0xe0, 0xdd];
    for (let at = element.dataOffset; at + 8 <= this.end; at++) {
      const b = this.bytes;
      if (b[at] === g && b[at + 1] === e && b[at + 2] === g2 && b[at + 3] === e2) {
        element.length = at - element.dataOffset;
        return { element, end: at + 8 };
      }
    }
    if (!this.options.complete) throw new OutOfBytes(this.end + 1, 'a value of undefined length');
    throw new PastEnd(pos, tagOfKey(element.tag), 'a value of undefined length has no Sequence Delimitation Item (FFFE,E0DD)');
  }
}

export interface ReadDataSetResult extends ReadResult {
  warnings: string[];
  damage: Damage[];
}

/** Reads the data set in `bytes` from `start` with the given encoding (see the module comment). */
export function readDataSet(bytes: Uint8Array, start: number, encoding: Encoding, options: ReaderOptions): ReadDataSetResult {
  const reader = new Reader(bytes, options);
  const result = reader.dataSet(start, undefined, encoding, 0, true);
  return { ...result, warnings: reader.warnings, damage: reader.damage };
}

/**
 * Reads the items of a sequence whose value starts at `sequence.dataOffset` (its length, or
 * 0xFFFFFFFF: to its Sequence Delimitation Item), e.g. one found in a UN value (PS3.5 6.2.2),
 * whose content is Implicit VR Little Endian. Nothing past `bytes` is read: pass them cut at
 * the end of the sequence's value.
 */
export function readSequenceItems(
  bytes: Uint8Array,
  sequence: Pick<Element, 'tag' | 'dataOffset' | 'length'>,
  encoding: Encoding,
  options: ReaderOptions,
): Item[] {
  const reader = new Reader(bytes, options);
  const { element } = reader.sequence({ ...sequence }, sequence.dataOffset, encoding, 0, undefined);
  return element.items ?? [];
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
    const { element, end } = reader.element(pos, tag, enc, 0, false, undefined);
    element.littleEndian = true;
    pos = end;
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
