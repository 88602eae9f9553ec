import { DomainError } from '../errors.js';

export type VoiFunction = 'linear' | 'linear-exact' | 'sigmoid';

export interface RenderParams {
  /** 1-based frame number. */
  frame: number;
  /** An explicit window from the query; undefined = the file's own VOI, else min-max. */
  window?: { center: number; width: number; fn: VoiFunction };
  bitDepth: 8 | 16;
}

const ALLOWED = ['frame', 'window', 'bitDepth'] as const;
const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d{1,3})?$/;
const MAX_ABS = 1e9;
const VOI_FUNCTIONS: readonly VoiFunction[] = ['linear', 'linear-exact', 'sigmoid'];

const invalid = (message: string) => new DomainError('InvalidParameter', message);

function single(query: Map<string, string[]>, name: string): string | undefined {
  const values = query.get(name);
  if (!values) return undefined;
  if (values.length > 1) throw invalid(`The query parameter "${name}" may be given only once.`);
  return values[0];
}

function parseNumber(raw: string, what: string): number {
  const n = Number(raw);
  if (!NUMBER.test(raw) || !Number.isFinite(n) || Math.abs(n) > MAX_ABS) {
    throw invalid(`The window ${what} must be a decimal number between -${MAX_ABS} and ${MAX_ABS}.`);
  }
  return n;
}

/** Parses ?frame=&window=&bitDepth= strictly: unknown names and odd values are 400s, not guesses. */
export function parseRenderParams(query: Map<string, string[]>): RenderParams {
  for (const name of query.keys()) {
    if (!(ALLOWED as readonly string[]).includes(name)) {
      const shown = name.length <= 32 && /^[\w.-]*$/.test(name) ? `"${name}"` : 'a query parameter';
      throw invalid(`Unknown ${shown}; this route accepts ${ALLOWED.join(', ')}.`);
    }
  }
  const frameRaw = single(query, 'frame');
  let frame = 1;
  if (frameRaw !== undefined) {
    if (!/^[1-9]\d{0,5}$/.test(frameRaw)) throw invalid('The frame must be a whole number from 1 (frames count from 1).');
    frame = Number(frameRaw);
  }
  const bitDepthRaw = single(query, 'bitDepth');
  let bitDepth: 8 | 16 = 8;
  if (bitDepthRaw !== undefined) {
    if (bitDepthRaw !== '8' && bitDepthRaw !== '16') throw invalid('The bitDepth must be 8 or 16.');
    bitDepth = bitDepthRaw === '16' ? 16 : 8;
  }
  const windowRaw = single(query, 'window');
  let window: RenderParams['window'];
  if (windowRaw !== undefined) {
    const parts = windowRaw.split(',');
    if (parts.length < 2 || parts.length > 3) {
      throw invalid('The window must be "<center>,<width>" or "<center>,<width>,<linear|linear-exact|sigmoid>".');
    }
    const center = parseNumber(parts[0].trim(), 'center');
    const width = parseNumber(parts[1].trim(), 'width');
    const fn = (parts[2]?.trim().toLowerCase() ?? 'linear') as VoiFunction;
    if (!VOI_FUNCTIONS.includes(fn)) throw invalid('The window function must be linear, linear-exact or sigmoid (PS3.3 C.11.2.1.3).');
    // PS3.3 C.11.2.1.2.1: Window Width >= 1 for LINEAR; > 0 for LINEAR_EXACT and SIGMOID.
    if (fn === 'linear' ? width < 1 : width <= 0) {
      throw invalid(`The window width must be ${fn === 'linear' ? 'at least 1 for linear' : 'above 0'} (PS3.3 C.11.2.1.2).`);
    }
    window = { center, width, fn };
  }
  return { frame, window, bitDepth };
}

/** Bumped whenever the rendering changes, so cached PNGs from an older pipeline are not served. */
export const RENDER_VERSION = 1;

/** The cache variant: every parameter normalised, so equal requests map to one object. */
export function renderVariant(p: RenderParams): string {
  const w = p.window ? `w${p.window.center}_${p.window.width}_${p.window.fn}` : 'wfile';
  return `v${RENDER_VERSION}-f${p.frame}-b${p.bitDepth}-${w}`;
}
