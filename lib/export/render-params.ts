import { DEFAULT_FEATURES, type FeatureFlags } from '../config.js';
import { DomainError } from '../errors.js';

export type VoiFunction = 'linear' | 'linear-exact' | 'sigmoid';

export interface RenderParams {
  /** 1-based frame number. */
  frame: number;
  /**
   * An explicit window from the query; 'none' (`window=none`, with bitDepth=16 only) = no VOI:
   * the modality values losslessly, with PNG tEXt `dicom:scale` / `dicom:offset` such that
   * value = png * scale + offset; undefined = the file's own VOI (see `voi`), else min-max.
   * Greyscale only: the image is not known here, so a colour image refuses it when rendered
   * (lib/render/render-frame.ts), as it does `voi` and bitDepth 16 of 8-bit colour.
   */
  window?: { center: number; width: number; fn: VoiFunction } | 'none';
  /**
   * `voi=<n>`: the file's n-th VOI transform, 1-based, counting every Window Center/Width pair
   * (0028,1050/1051) first, then every VOI LUT Sequence (0028,3010) item. A number past the
   * file's count is a 404 at render time. Not combinable with `window`.
   */
  voi?: number;
  bitDepth: 8 | 16;
  /** `size=<edge>`: a thumbnail whose longer edge is at most this (16..2048 pixels). */
  size?: number;
  /**
   * `overlays=false`: leave the overlay planes (60xx, PS3.3 C.9.2) out; present only then.
   * By default they are burned in, as dcmtk and viewers show them.
   */
  overlays?: false;
}

/** The edge of the thumbnail the processor pre-renders. */
export const THUMBNAIL_EDGE = 256;

const ALLOWED = ['frame', 'window', 'voi', 'bitDepth', 'size', 'overlays'] as const;
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

/** Parses ?frame=&window=&voi=&bitDepth=&size=&overlays= strictly: unknown names and odd values are 400s, not guesses. */
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
  if (windowRaw !== undefined && windowRaw.trim().toLowerCase() === 'none') {
    if (bitDepth !== 16) {
      throw invalid('window=none (modality values without VOI, PS3.4 N.2.1.1) needs bitDepth=16: the values are written losslessly only into a 16-bit PNG.');
    }
    window = 'none';
  } else if (windowRaw !== undefined) {
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
  const voiRaw = single(query, 'voi');
  let voi: number | undefined;
  if (voiRaw !== undefined) {
    if (!/^[1-9]\d{0,3}$/.test(voiRaw)) {
      throw invalid("The voi must be a whole number from 1: the file's n-th window, then its VOI LUTs (PS3.3 C.11.2).");
    }
    if (window !== undefined) throw invalid('Give either window or voi, not both: each selects the VOI transform (PS3.4 N.2.1.1).');
    voi = Number(voiRaw);
  }
  const sizeRaw = single(query, 'size');
  let size: number | undefined;
  if (sizeRaw !== undefined) {
    if (!/^\d{1,4}$/.test(sizeRaw) || Number(sizeRaw) < 16 || Number(sizeRaw) > 2048) {
      throw invalid('The size (the thumbnail\'s longer edge) must be a whole number of pixels from 16 to 2048.');
    }
    size = Number(sizeRaw);
  }
  const overlaysRaw = single(query, 'overlays');
  if (overlaysRaw !== undefined && overlaysRaw !== 'true' && overlaysRaw !== 'false') {
    throw invalid('The overlays must be true (burn in the overlay planes, the default) or false (PS3.3 C.9.2).');
  }
  return {
    frame,
    ...(window !== undefined ? { window } : {}),
    ...(voi !== undefined ? { voi } : {}),
    bitDepth,
    ...(size !== undefined ? { size } : {}),
    ...(overlaysRaw === 'false' ? { overlays: false as const } : {}),
  };
}

/** BIT_DEPTH_16 and THUMBNAILS (lib/config.ts): a parameter of a feature turned off is a 400, as an unknown one is. */
export function checkRenderFeatures(p: RenderParams, features: Pick<FeatureFlags, 'bitDepth16' | 'thumbnails'> = DEFAULT_FEATURES): void {
  if (p.bitDepth === 16 && !features.bitDepth16) throw invalid('16-bit output is turned off on this service (BIT_DEPTH_16=off): the bitDepth must be 8.');
  if (p.size !== undefined && !features.thumbnails) throw invalid('Thumbnails are turned off on this service (THUMBNAILS=off): leave out size.');
}

/**
 * Bumped whenever the rendering changes, so cached PNGs from an older pipeline are not served.
 * 3: overlay planes burned in by default (a v2 PNG of an image with overlays lacks them) and
 * float data windows applied as LINEAR_EXACT.
 */
export const RENDER_VERSION = 3;

/**
 * The cache variant: every parameter normalised, so equal requests map to one object
 * (numbers through Number -> String: "40.0" and "4e1" give "40"). `overlays=false` adds
 * `-novl`; `overlays=true` is the default and shares its key. window=none never draws
 * overlays, so its key ignores the parameter.
 */
export function renderVariant(p: RenderParams): string {
  const w =
    p.window === 'none'
      ? 'wnone'
      : p.window
        ? `w${p.window.center}_${p.window.width}_${p.window.fn}`
        : p.voi !== undefined
          ? `voi${p.voi}`
          : 'wfile';
  const ovl = p.overlays === false && p.window !== 'none' ? '-novl' : '';
  return `v${RENDER_VERSION}-f${p.frame}-b${p.bitDepth}-${w}${p.size !== undefined ? `-s${p.size}` : ''}${ovl}`;
}
