/**
 * Where the real-world DICOM corpus lives (../shared/corpus next to the repo, or
 * $DICOM_CORPUS). Conformance suites use `describe.skipIf(!corpusAvailable)` and say
 * "NOT RUN" in their title when it is absent: they must never pass silently.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

export const corpusDir: string = resolve(process.env.DICOM_CORPUS ?? join(repoRoot, '..', 'shared', 'corpus'));

export const corpusAvailable: boolean = existsSync(join(corpusDir, 'manifest.json'));

/** One `manifest.json` → `files[]` entry; only the fields the tests rely on are typed. */
export interface CorpusEntry {
  path: string;
  size: number;
  transfer_syntax_uid?: string | null;
  specific_character_set?: string | string[] | null;
  is_implicit_vr?: boolean;
  is_little_endian?: boolean;
  has_file_meta?: boolean;
  header_json?: string;
  pixel_data?: { element: string; offset: number; value_length: number; encapsulated: boolean };
  [key: string]: unknown;
}

export interface CorpusManifest {
  count: number;
  files: CorpusEntry[];
}

let cached: CorpusManifest | undefined;

/** Reads manifest.json once; throws if the corpus is absent (check `corpusAvailable` first). */
export function loadManifest(): CorpusManifest {
  cached ??= JSON.parse(readFileSync(join(corpusDir, 'manifest.json'), 'utf8')) as CorpusManifest;
  return cached;
}

/** Absolute path of a corpus file from its manifest `path`. */
export const corpusPath = (relative: string): string => join(corpusDir, relative);
