/**
 * The DICOM JSON Model (PS3.18 F.2) of a parsed header.
 *
 * - Keys are 'GGGGEEEE' (uppercase), every element has "vr" (F.2.2), values are in "Value"
 *   arrays, binary values in "InlineBinary" (base64, little endian: F.2.7) or "BulkDataURI".
 * - The top-level Pixel Data / Float Pixel Data / Double Float Pixel Data element is listed
 *   WITHOUT its value: `{"vr":"OW"}`, or `{"vr":"OW","BulkDataURI":...}` when a bulkDataUri
 *   function is given. A header read never fetches those bytes.
 * - File Meta Information (0002,xxxx) is included unless `includeFileMeta: false`.
 * - Empty elements have no "Value" (F.2.5); empty values inside a multi-valued element are null.
 * - Implicit VR: the VR comes from the data dictionary; ambiguous VRs are resolved per PS3.5
 *   Annex A (ambiguous-vr.ts); Private Creators are LO; an undefined-length element whose
 *   value starts with an Item is a sequence (PS3.5 6.2.2).
 * - Private data elements without a VR in the stream (Implicit VR, or an explicit 'UN') take
 *   the VR of the private dictionary (private-dictionary.ts) for the creator that reserved
 *   their block in the same data set or item (PS3.5 7.8.1), as pydicom and dcmtk do; a value
 *   whose length does not fit that VR (an odd length for US...), an unknown creator or element
 *   stays UN. PS3.5 6.2.2 lets a reader use its dictionary this way.
 * - An explicit 'UN' of a standard or known private tag is decoded with its dictionary VR
 *   (PS3.5 6.2.2: its value is Implicit VR Little Endian), as pydicom does.
 */
import { LUT_DESCRIPTOR_TAGS, resolveAmbiguousVr } from './ambiguous-vr.js';
import { CHARSET_VRS, decodeAscii, decodeText, parseCharsets } from './charset.js';
import type { DataSet, Element, Item } from './data-set.js';
import { dictionaryVrOf, vrLookup } from './dictionary.js';
import type { ParsedDicom } from './parse.js';
import { creatorKeyOf, creatorName } from './private-creator.js';
import { normalizeCreator, privateEntry, type PrivateDictionaryEntry } from './private-dictionary.js';
import { readSequenceItems } from './reader.js';
import { VALID_VRS, isPixelTag, keyOfTag, tagOfKey, tagOfNumber, type TagPathStep } from './tag.js';
import { isBigEndian, isImplicitVr } from './transfer-syntax.js';

export interface PersonNameJson {
  Alphabetic?: string;
  Ideographic?: string;
  Phonetic?: string;
}

export interface DicomJsonElement {
  vr: string;
  Value?: Array<string | number | PersonNameJson | DicomJsonDataSet | null>;
  InlineBinary?: string;
  BulkDataURI?: string;
}

export type DicomJsonDataSet = Record<string, DicomJsonElement>;

export interface JsonModelOptions {
  /** URI for a binary value that is not inlined, from its tag path ('00400275.0.00321060'). */
  bulkDataUri?: (tagPath: string) => string;
  /** Binary values longer than this many bytes are a BulkDataURI (or omitted without bulkDataUri). */
  inlineBinaryLimit?: number;
  /** Include the File Meta Information group (0002,xxxx). Default true. */
  includeFileMeta?: boolean;
}

export const DEFAULT_INLINE_BINARY_LIMIT = 65536;

const BULK_VRS = new Set(['OB', 'OD', 'OF', 'OL', 'OV', 'OW', 'UN']);
/** Byte size of one value of a binary VR: words are swapped to little endian by this size (F.2.7). */
const WORD_SIZE: Record<string, number> = { OW: 2, OF: 4, OL: 4, OD: 8, OV: 8 };
const NUMBER_SIZE: Record<string, number> = { US: 2, SS: 2, UL: 4, SL: 4, FL: 4, FD: 8, SV: 8, UV: 8, AT: 4 };
/** String VRs that never hold more than one value, so '\' is text (PS3.5 6.2). */
const SINGLE_VALUED = new Set(['LT', 'ST', 'UT', 'UR']);
/** VRs whose leading spaces are insignificant too (PS3.5 Table 6.2-1). */
const TRIM_BOTH = new Set(['AE', 'CS', 'DS', 'IS']);
const ITEM = 0xfffee000;
const SEQUENCE_DELIMITER = 0xfffee0dd;

interface Root {
  byteArray: Uint8Array;
  options: JsonModelOptions;
  inlineBinaryLimit: number;
}

/** One data set being converted: the top level, or an item of a sequence. */
interface Scope {
  root: Root;
  dataSet: DataSet;
  parent?: Scope;
  /** Specific Character Set in force (an item may set its own: PS3.3 C.12.1.1.2). */
  charsets: string[];
  /** Values without a VR in the stream (Implicit VR, or the content of a UN sequence). */
  implicit: boolean;
  littleEndian: boolean;
  /** Tag path of this data set, '' at the top, '00400275.0' for an item. */
  path: string;
  /**
   * Where this data set's bytes must end: the file's (read) end at the top, the end of the
   * enclosing sequence's value in an item. No value is read past it, so an item whose element
   * lengths lie reads the same whatever follows the sequence (a whole file or a ranged read).
   */
  end: number;
  /** Private Creator values of this data set by creator key, read on first use. */
  creators?: Map<string, string | undefined>;
}

function valueBytes(scope: Scope, element: Element): Uint8Array {
  const start = Math.min(element.dataOffset, scope.end);
  return scope.root.byteArray.subarray(start, Math.min(start + element.length, scope.end));
}

/** The end of a sequence's value: its defined length, bounded by its data set's end. */
const sequenceEnd = (scope: Scope, element: Element): number =>
  element.hadUndefinedLength ? scope.end : Math.min(scope.end, element.dataOffset + element.length);

function view(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function scopeFor(root: Root, dataSet: DataSet, parent: Scope | undefined, implicit: boolean, littleEndian: boolean, path: string, end: number): Scope {
  const scope: Scope = { root, dataSet, parent, charsets: parent?.charsets ?? [], implicit, littleEndian, path, end };
  const charsetElement = dataSet.elements.x00080005;
  if (charsetElement && charsetElement.length > 0) {
    scope.charsets = parseCharsets(decodeAscii(valueBytes(scope, charsetElement)).replace(/[\0 ]+$/, ''));
  }
  return scope;
}

function rootScope(parsed: ParsedDicom, options: JsonModelOptions): Scope {
  const root: Root = {
    byteArray: parsed.byteArray,
    options,
    inlineBinaryLimit: options.inlineBinaryLimit ?? DEFAULT_INLINE_BINARY_LIMIT,
  };
  return scopeFor(root, parsed.dataSet, undefined, isImplicitVr(parsed.transferSyntaxUid), !isBigEndian(parsed.transferSyntaxUid), '', root.byteArray.length);
}

/** An unsigned 16-bit value of an element of a scope's data set. */
function readUint16(scope: Scope, tag: string): number | undefined {
  const element = scope.dataSet.elements[tag];
  if (!element || element.length < 2) return undefined;
  return view(valueBytes(scope, element)).getUint16(0, scope.littleEndian);
}

function pixelRepresentation(scope: Scope): number | undefined {
  for (let s: Scope | undefined = scope; s; s = s.parent) {
    const value = readUint16(s, 'x00280103');
    if (value !== undefined) return value;
  }
  return undefined;
}

const startsWithItem = (scope: Scope, element: Element): boolean => {
  const bytes = valueBytes(scope, element);
  if (bytes.length < 4) return false;
  const tag = ((bytes[0] | (bytes[1] << 8)) << 16) | (bytes[2] | (bytes[3] << 8));
  return tag >>> 0 === ITEM || tag >>> 0 === SEQUENCE_DELIMITER;
};

interface Resolved {
  vr: string;
  /** The value is encoded Implicit VR Little Endian whatever the transfer syntax (UN, PS3.5 6.2.2). */
  asImplicitLittleEndian: boolean;
}

function dictionaryVr(scope: Scope, element: Element, tag: string): string | undefined {
  const vr = dictionaryVrOf(tag);
  if (vr === undefined || vr === 'NONE') return undefined;
  if (!vr.includes(' or ')) return vr;
  return resolveAmbiguousVr(tag, vr, {
    pixelRepresentation: pixelRepresentation(scope),
    lutDescriptorEntries: readUint16(scope, 'x00283002'),
    undefinedLength: element.hadUndefinedLength === true,
  });
}

/** The value of the Private Creator of a private data element in its data set (PS3.5 7.8.1). */
function creatorOf(scope: Scope, key: string): string | undefined {
  const creatorKey = creatorKeyOf(key);
  if (creatorKey === undefined) return undefined;
  scope.creators ??= new Map();
  if (!scope.creators.has(creatorKey)) {
    const creator = scope.dataSet.elements[creatorKey];
    const name = creator && !creator.items ? creatorName(valueBytes(scope, creator)) : undefined;
    scope.creators.set(creatorKey, name === undefined ? undefined : normalizeCreator(name));
  }
  return scope.creators.get(creatorKey);
}

/** The private dictionary entry of a private data element, by its creator in the same data set. */
function privateDictionaryEntry(scope: Scope, key: string): Readonly<PrivateDictionaryEntry> | undefined {
  const creator = creatorOf(scope, key);
  if (creator === undefined) return undefined;
  return privateEntry(creator, parseInt(key.slice(1, 5), 16), parseInt(key.slice(5, 9), 16));
}

/**
 * Whether a value can be read as `vr`: whole values of the fixed-size binary VRs, and a
 * defined length unless it is a sequence (only SQ and encapsulated data may have an
 * undefined length, PS3.5 7.1.1). Otherwise a private element stays UN (PS3.5 6.2.2).
 */
function fitsVr(element: Element, vr: string): boolean {
  if (vr === 'SQ') return true;
  if (element.hadUndefinedLength || element.items) return false;
  const size = NUMBER_SIZE[vr] ?? WORD_SIZE[vr];
  return size === undefined || element.length % size === 0;
}

/** The VR of a private data element from the private dictionary, resolved and fitting its value. */
function privateVr(scope: Scope, element: Element): string | undefined {
  const entry = privateDictionaryEntry(scope, element.tag);
  if (!entry || entry.vr === 'NONE') return undefined;
  const vr = entry.vr.includes(' or ')
    ? resolveAmbiguousVr(tagOfKey(element.tag), entry.vr, {
        pixelRepresentation: pixelRepresentation(scope),
        undefinedLength: element.hadUndefinedLength === true,
      })
    : entry.vr;
  return VALID_VRS.has(vr) && fitsVr(element, vr) ? vr : undefined;
}

/** The VR an element is converted with (see the module comment for the rules). */
function resolveVr(scope: Scope, element: Element, tag: string): Resolved {
  const group = parseInt(tag.slice(0, 4), 16);
  const explicit = !scope.implicit || group === 0x0002;
  if (explicit && element.vr && element.vr !== 'UN' && VALID_VRS.has(element.vr)) {
    return { vr: element.vr, asImplicitLittleEndian: false };
  }
  // The PS3.6 dictionary knows no private data elements, only Private Creators (LO).
  const known = dictionaryVr(scope, element, tag) ?? privateVr(scope, element);
  if (known) return { vr: known, asImplicitLittleEndian: explicit };
  // Unknown or private: undefined length that starts with an Item is a sequence (PS3.5 6.2.2).
  if (element.hadUndefinedLength && startsWithItem(scope, element)) {
    return { vr: 'SQ', asImplicitLittleEndian: explicit };
  }
  return { vr: 'UN', asImplicitLittleEndian: false };
}

/**
 * Items of a sequence whose content is Implicit VR LE (a UN value, PS3.5 6.2.2) or that the
 * reader did not read as one, read by the reader, leniently: lengths that run past the value
 * are cut to it. The bytes after the value are out of reach, as they differ between a
 * whole-file parse and a ranged header read (found by the fuzzer).
 */
function readImplicitItems(scope: Scope, element: Element): Item[] {
  const bytes = scope.root.byteArray.subarray(0, sequenceEnd(scope, element));
  const sequence = { tag: element.tag, dataOffset: element.dataOffset, length: element.hadUndefinedLength ? 0xffffffff : element.length };
  return readSequenceItems(bytes, sequence, { implicit: true, littleEndian: true }, { complete: true, vrLookup, detectEncoding: false, lenient: true });
}

/**
 * Scopes of the items of a sequence; undefined when the value is not a readable sequence.
 * A sequence read from UN (PS3.5 6.2.2), or a private one the reader kept as a value, is read here.
 */
function itemScopes(scope: Scope, element: Element, tag: string, resolved: Resolved): Scope[] | undefined {
  let items = element.items;
  if (resolved.asImplicitLittleEndian || !items) {
    try {
      items = readImplicitItems(scope, element);
    } catch {
      return undefined;
    }
  }
  const implicit = resolved.asImplicitLittleEndian || scope.implicit;
  const littleEndian = resolved.asImplicitLittleEndian || scope.littleEndian;
  const prefix = scope.path ? `${scope.path}.` : '';
  const end = sequenceEnd(scope, element);
  return items.map((item, index) => scopeFor(scope.root, item.dataSet, scope, implicit, littleEndian, `${prefix}${tag}.${index}`, end));
}

function sequenceToJson(scope: Scope, element: Element, tag: string, resolved: Resolved): DicomJsonElement {
  const scopes = itemScopes(scope, element, tag, resolved);
  // Not a sequence after all: keep the bytes (UN is what cannot be interpreted, PS3.5 6.2.2).
  if (!scopes) return binaryToJson(scope, element, tag, { vr: 'UN', asImplicitLittleEndian: false });
  return { vr: 'SQ', Value: scopes.map(dataSetJson) };
}

/** PS3.18 F.2.7: binary values are base64 of the little-endian bytes. */
function littleEndianBytes(bytes: Uint8Array, vr: string, littleEndian: boolean): Uint8Array {
  // '#N' asks for words of N bytes whatever the VR (numbers: US, UL, FD... for bulk reads).
  const size = vr.startsWith('#') ? Number(vr.slice(1)) : WORD_SIZE[vr];
  if (littleEndian || !size) return bytes;
  const swapped = new Uint8Array(bytes.length);
  const whole = bytes.length - (bytes.length % size);
  for (let i = 0; i < whole; i += size) {
    for (let k = 0; k < size; k++) swapped[i + k] = bytes[i + size - 1 - k];
  }
  swapped.set(bytes.subarray(whole), whole);
  return swapped;
}

function bulkUri(scope: Scope, tag: string): string | undefined {
  const make = scope.root.options.bulkDataUri;
  return make ? make(scope.path ? `${scope.path}.${tag}` : tag) : undefined;
}

function binaryToJson(scope: Scope, element: Element, tag: string, resolved: Resolved): DicomJsonElement {
  const out: DicomJsonElement = { vr: resolved.vr };
  if (element.length === 0) return out;
  if (element.length > scope.root.inlineBinaryLimit) {
    const uri = bulkUri(scope, tag);
    if (uri) out.BulkDataURI = uri;
    return out;
  }
  const littleEndian = resolved.asImplicitLittleEndian || scope.littleEndian;
  const bytes = littleEndianBytes(valueBytes(scope, element), resolved.vr, littleEndian);
  out.InlineBinary = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
  return out;
}

const safeInteger = (value: bigint): number | string =>
  value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value.toString();

function numbersToJson(bytes: Uint8Array, vr: string, tag: string, littleEndian: boolean): Array<number | string> {
  const size = NUMBER_SIZE[vr];
  const dv = view(bytes);
  const values: Array<number | string> = [];
  for (let at = 0; at + size <= bytes.length; at += size) {
    switch (vr) {
      case 'US': values.push(dv.getUint16(at, littleEndian)); break;
      case 'SS': values.push(dv.getInt16(at, littleEndian)); break;
      case 'UL': values.push(dv.getUint32(at, littleEndian)); break;
      case 'SL': values.push(dv.getInt32(at, littleEndian)); break;
      case 'FL': values.push(dv.getFloat32(at, littleEndian)); break;
      case 'FD': values.push(dv.getFloat64(at, littleEndian)); break;
      case 'SV': values.push(safeInteger(dv.getBigInt64(at, littleEndian))); break;
      case 'UV': values.push(safeInteger(dv.getBigUint64(at, littleEndian))); break;
      case 'AT': {
        const group = dv.getUint16(at, littleEndian);
        const elementNumber = dv.getUint16(at + 2, littleEndian);
        values.push(tagOfNumber((group << 16) | elementNumber));
        break;
      }
    }
  }
  // The number of entries of a LUT is unsigned even in an SS descriptor (PS3.3 C.11.1.1.1).
  if (vr === 'SS' && LUT_DESCRIPTOR_TAGS.has(tag) && values.length > 0) values[0] = dv.getUint16(0, littleEndian);
  return values;
}

const trimEnd = (s: string): string => s.replace(/[\0 ]+$/, '');
const trimBoth = (s: string): string => s.replace(/^[\0 ]+|[\0 ]+$/g, '');

const DECIMAL = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

function personName(value: string): PersonNameJson {
  // Component groups (PS3.5 6.2.1): alphabetic=ideographic=phonetic; empty groups are left out.
  const [alphabetic, ideographic, phonetic] = value.split('=').map(trimEnd);
  const pn: PersonNameJson = {};
  if (alphabetic) pn.Alphabetic = alphabetic;
  if (ideographic) pn.Ideographic = ideographic;
  if (phonetic) pn.Phonetic = phonetic;
  return pn;
}

function stringsToJson(scope: Scope, bytes: Uint8Array, vr: string): DicomJsonElement['Value'] {
  const text = CHARSET_VRS.has(vr) ? decodeText(bytes, scope.charsets, vr === 'PN') : decodeAscii(bytes);
  if (SINGLE_VALUED.has(vr)) {
    // Leading spaces are significant in LT/ST/UT (PS3.5 Table 6.2-1); trailing ones are padding.
    const value = vr === 'UR' ? text.replace(/[\0 \t\r\n]+$/, '') : trimEnd(text);
    return value === '' ? undefined : [value];
  }
  const trim = TRIM_BOTH.has(vr) ? trimBoth : trimEnd;
  const parts = trimEnd(text).split('\\').map(trim);
  if (parts.length === 1 && parts[0] === '') return undefined;
  return parts.map((part) => {
    if (part === '') return null;
    switch (vr) {
      case 'PN':
        return personName(part);
      case 'DS':
        return DECIMAL.test(part) ? Number(part) : part;
      case 'IS':
        return DECIMAL.test(part) && Number.isInteger(Number(part)) ? Number(part) : part;
      default:
        return part;
    }
  });
}

function convertElement(scope: Scope, element: Element): DicomJsonElement {
  const tag = tagOfKey(element.tag);
  const resolved = resolveVr(scope, element, tag);
  const { vr } = resolved;
  if (!scope.parent && isPixelTag(element.tag)) {
    // The pixel data value is not part of a header (see the module comment).
    const uri = bulkUri(scope, tag);
    return uri ? { vr, BulkDataURI: uri } : { vr };
  }
  if (vr === 'SQ') return sequenceToJson(scope, element, tag, resolved);
  if (BULK_VRS.has(vr)) return binaryToJson(scope, element, tag, resolved);
  const out: DicomJsonElement = { vr };
  if (element.length === 0) return out;
  const bytes = valueBytes(scope, element);
  const littleEndian = resolved.asImplicitLittleEndian || scope.littleEndian;
  const Value = NUMBER_SIZE[vr] ? numbersToJson(bytes, vr, tag, littleEndian) : stringsToJson(scope, bytes, vr);
  if (Value && Value.length > 0) out.Value = Value;
  return out;
}

function dataSetJson(scope: Scope): DicomJsonDataSet {
  const out: DicomJsonDataSet = {};
  const includeMeta = scope.root.options.includeFileMeta ?? true;
  for (const name of Object.keys(scope.dataSet.elements).sort()) {
    if (!includeMeta && !scope.parent && name.startsWith('x0002')) continue;
    out[tagOfKey(name)] = convertElement(scope, scope.dataSet.elements[name]);
  }
  return out;
}

/** The whole header as DICOM JSON (PS3.18 F.2), without the pixel data value. */
export function dataSetToJson(parsed: ParsedDicom, options: JsonModelOptions = {}): DicomJsonDataSet {
  return dataSetJson(rootScope(parsed, options));
}

/**
 * One element as DICOM JSON, found by a tag path (parseTagPath's steps, or 'GGGGEEEE' for a
 * top-level element); undefined when the element or an item on the way is absent.
 */
export function elementToJson(
  parsed: ParsedDicom,
  path: readonly TagPathStep[] | string,
  options: JsonModelOptions = {},
): DicomJsonElement | undefined {
  const steps: readonly TagPathStep[] = typeof path === 'string' ? [{ tag: path.toUpperCase() }] : path;
  let scope = rootScope(parsed, options);
  for (let i = 0; i < steps.length; i++) {
    const step = steps[i];
    const element = scope.dataSet.elements[keyOfTag(step.tag)];
    if (!element) return undefined;
    if (step.item === undefined || i === steps.length - 1) return convertElement(scope, element);
    const resolved = resolveVr(scope, element, step.tag);
    if (resolved.vr !== 'SQ') return undefined;
    const next = itemScopes(scope, element, step.tag, resolved)?.[step.item];
    if (!next) return undefined;
    scope = next;
  }
  return undefined;
}

/** An element found by a tag path, with what it takes to read its raw value. */
export interface LocatedElement {
  element: Element;
  /** The VR it converts with (resolved as for the JSON model). */
  vr: string;
  /** Byte order of its value as stored (UN content and File Meta are little endian). */
  littleEndian: boolean;
  /** Whether it is a top-level element (the pixel data of the object is one). */
  topLevel: boolean;
}

/** The element at a tag path and the data set it lives in (as elementToJson finds it). */
function find(parsed: ParsedDicom, path: readonly TagPathStep[]): { scope: Scope; element: Element; resolved: Resolved } | undefined {
  let scope = rootScope(parsed, {});
  for (let i = 0; i < path.length; i++) {
    const step = path[i];
    const element = scope.dataSet.elements[keyOfTag(step.tag)];
    if (!element) return undefined;
    const resolved = resolveVr(scope, element, step.tag);
    if (step.item === undefined || i === path.length - 1) return { scope, element, resolved };
    if (resolved.vr !== 'SQ') return undefined;
    const next = itemScopes(scope, element, step.tag, resolved)?.[step.item];
    if (!next) return undefined;
    scope = next;
  }
  return undefined;
}

/** The element at a tag path (as elementToJson finds it), or undefined when absent. */
export function locateElement(parsed: ParsedDicom, path: readonly TagPathStep[]): LocatedElement | undefined {
  const found = find(parsed, path);
  if (!found) return undefined;
  const { scope, element, resolved } = found;
  const meta = !scope.parent && path[path.length - 1].tag.startsWith('0002');
  return {
    element,
    vr: resolved.vr,
    littleEndian: meta || resolved.asImplicitLittleEndian || scope.littleEndian,
    topLevel: !scope.parent,
  };
}

/**
 * The private dictionary entry (VR as the dictionary writes it, VM, name) of the private data
 * element at a tag path, by the creator that reserved its block in its own data set or item
 * (PS3.5 7.8.1): e.g. a name for a private element in the header route. Undefined when the
 * element is absent, not a private data element, or its creator or element is unknown.
 */
export function privateEntryAt(parsed: ParsedDicom, path: readonly TagPathStep[]): Readonly<PrivateDictionaryEntry> | undefined {
  const found = find(parsed, path);
  return found && privateDictionaryEntry(found.scope, found.element.tag);
}

/** PS3.18 F.2.7 / PS3.5 7.3: a value's bytes in little endian order, swapped by the VR's word size. */
export function toLittleEndian(bytes: Uint8Array, vr: string, littleEndian: boolean): Uint8Array {
  // AT is two 16-bit numbers (group, element), not one 32-bit one.
  const size = vr === 'AT' ? 2 : (WORD_SIZE[vr] ?? NUMBER_SIZE[vr]);
  return littleEndian || !size ? bytes : littleEndianBytes(bytes, `#${size}`, false);
}
