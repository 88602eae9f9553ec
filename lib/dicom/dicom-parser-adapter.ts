/**
 * The one file that uses dicom-parser. The reader (reader.ts) finds the elements; this gives a
 * data set its typed value readers (string(), uint16(), floatString()...) from dicom-parser's
 * DataSet, so the byte-order readers and the string rules (trimming, '\' splitting) are
 * dicom-parser's, over elements and types that are lib/dicom's own (data-set.ts).
 */
import dicomParser from 'dicom-parser';
import type { DataSet, Element } from './data-set.js';

declare module 'dicom-parser' {
  /**
   * dicom-parser 1.8 exports its DataSet class (package index: `DataSet`) but its index.d.ts
   * declares only the interface. Its accessors read an element's length, dataOffset and, when
   * set, parser: lib/dicom's Element (data-set.ts) has the first two and never the last.
   */
  export const DataSet: new (
    byteArrayParser: ByteArrayParser,
    byteArray: ByteArray,
    elements: Record<string, { tag: string; vr?: string; length: number; dataOffset: number }>,
  ) => DataSet;
}

type ParserDataSet = InstanceType<typeof dicomParser.DataSet>;

/**
 * Holds no state but its fields, so a copy (`{ ...parsed }`, Object.assign) reads what its
 * own fields say; a dicom-parser DataSet (three fields) is made per read.
 */
class AdaptedDataSet implements DataSet {
  constructor(
    readonly byteArray: Uint8Array,
    readonly elements: Record<string, Element>,
    readonly littleEndian: boolean,
  ) {}

  /** A dicom-parser DataSet that reads `tag` in its byte order (File Meta: Element.littleEndian). */
  private reader(tag: string): ParserDataSet {
    const littleEndian = this.littleEndian || this.elements[tag]?.littleEndian === true;
    const parser = littleEndian ? dicomParser.littleEndianByteArrayParser : dicomParser.bigEndianByteArrayParser;
    return new dicomParser.DataSet(parser, this.byteArray, this.elements);
  }

  uint16(tag: string, index?: number) {
    return this.reader(tag).uint16(tag, index);
  }
  int16(tag: string, index?: number) {
    return this.reader(tag).int16(tag, index);
  }
  uint32(tag: string, index?: number) {
    return this.reader(tag).uint32(tag, index);
  }
  int32(tag: string, index?: number) {
    return this.reader(tag).int32(tag, index);
  }
  float(tag: string, index?: number) {
    return this.reader(tag).float(tag, index);
  }
  double(tag: string, index?: number) {
    return this.reader(tag).double(tag, index);
  }
  numStringValues(tag: string) {
    return this.reader(tag).numStringValues(tag);
  }
  string(tag: string, index?: number) {
    return this.reader(tag).string(tag, index);
  }
  text(tag: string, index?: number) {
    return this.reader(tag).text(tag, index);
  }
  floatString(tag: string, index?: number) {
    return this.reader(tag).floatString(tag, index);
  }
  intString(tag: string, index?: number) {
    return this.reader(tag).intString(tag, index);
  }
}

/** A data set over `elements` (keys 'xggggeeee') whose values lie in `byteArray` in the given byte order. */
export function makeDataSet(byteArray: Uint8Array, littleEndian: boolean, elements: Record<string, Element>): DataSet {
  return new AdaptedDataSet(byteArray, elements, littleEndian);
}
