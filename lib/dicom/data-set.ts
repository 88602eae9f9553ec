/**
 * The shapes a parsed DICOM data set has for the rest of the code: elements as the reader
 * (reader.ts) found them, and typed accessors for their values. The keys of `elements` are
 * 'xggggeeee' (tag.ts: elementKey, keyOfTag). dicom-parser-adapter.ts makes the accessors.
 */

/** A fragment of encapsulated Pixel Data (PS3.5 A.4). */
export interface Fragment {
  /** Offset of the fragment's Item tag from the first fragment (as a Basic Offset Table counts). */
  offset: number;
  /** Absolute position of the fragment's value in the data set's byte array. */
  position: number;
  /** Bytes present (cut to the end of the file when it ends inside the fragment). */
  length: number;
  /** Set only on a fragment the file ends inside: the length its Item declares (PS3.5 A.4). */
  declaredLength?: number;
}

/** An Item of a sequence (PS3.5 7.5): its data set, and where its value lies. */
export interface Item {
  /** 'xfffee000' */
  tag: string;
  length: number;
  dataOffset: number;
  dataSet: DataSet;
  hadUndefinedLength?: boolean;
}

/** One data element (PS3.5 7.1) as read: where its value lies, never the value itself. */
export interface Element {
  /** 'xggggeeee' */
  tag: string;
  /** As written in Explicit VR; absent in Implicit VR (the dictionary says, PS3.5 7.1.3). */
  vr?: string;
  /** Of the value; for an undefined length, the length found by reading to its delimiter. */
  length: number;
  /** Offset of the value in the data set's byte array. */
  dataOffset: number;
  /** The length field was 0xFFFFFFFF (PS3.5 7.1.1). */
  hadUndefinedLength?: boolean;
  /** A sequence's items. */
  items?: Item[];
  /** Set on File Meta elements: always Explicit VR Little Endian, whatever the data set (PS3.10 7.1). */
  littleEndian?: true;
  /** Encapsulated Pixel Data (PS3.5 A.4): its Basic Offset Table and fragments. */
  encapsulatedPixelData?: boolean;
  basicOffsetTable?: number[];
  fragments?: Fragment[];
  /** Encapsulated Pixel Data the file ends inside (a salvaging read, reader.ts): fragments after the cut are missing. */
  truncated?: boolean;
}

/**
 * A data set: its elements and typed readers of their values by key ('xggggeeee'). Each
 * reader answers undefined when the element is absent or empty; `index` picks one value of
 * a multi-valued element (binary VRs by size, strings split at '\', PS3.5 6.4).
 */
export interface DataSet {
  /** The bytes every element's dataOffset refers to. */
  readonly byteArray: Uint8Array;
  readonly elements: Record<string, Element>;
  /** US */
  uint16(tag: string, index?: number): number | undefined;
  /** SS */
  int16(tag: string, index?: number): number | undefined;
  /** UL */
  uint32(tag: string, index?: number): number | undefined;
  /** SL */
  int32(tag: string, index?: number): number | undefined;
  /** FL */
  float(tag: string, index?: number): number | undefined;
  /** FD */
  double(tag: string, index?: number): number | undefined;
  /** The number of '\'-separated values of a string element. */
  numStringValues(tag: string): number | undefined;
  /** AE, CS, SH, LO...: leading and trailing spaces trimmed. */
  string(tag: string, index?: number): string | undefined;
  /** LT, ST, UT: trailing spaces trimmed, leading ones kept (PS3.5 6.2). */
  text(tag: string, index?: number): string | undefined;
  /** DS as a number. */
  floatString(tag: string, index?: number): number | undefined;
  /** IS as a number. */
  intString(tag: string, index?: number): number | undefined;
}
