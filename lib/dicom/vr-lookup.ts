/**
 * VR of a tag for Implicit VR Little Endian data sets, where the file carries no VR
 * (PS3.5 7.1.3). Backed by the data dictionary; undefined for unknown tags (read as UN).
 * `creator` is given for a private data element (gggg,xxEE): the value of its Private Creator
 * (gggg,00xx) in the same data set or item (PS3.5 7.8.1), for the private dictionary.
 */
export type VrLookup = (tag: string, creator?: string) => string | undefined;
