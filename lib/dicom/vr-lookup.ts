/**
 * VR of a tag for Implicit VR Little Endian data sets, where the file carries no VR
 * (PS3.5 7.1.3). Backed by the data dictionary; undefined for unknown tags (read as UN).
 */
export type VrLookup = (tag: string) => string | undefined;
