/**
 * Shared plumbing for the codecs: lazy loading (so importing the codec table loads no codec
 * package and no WebAssembly), turning whatever a codec throws (Emscripten throws bare numbers and strings)
 * into a DomainError, and checking/shaping the decoded samples.
 */
import { DomainError, describeThrown } from '../../errors.js';
import { transferSyntaxName } from '../../dicom/transfer-syntax.js';
import type { DecodedPixels, FrameInfo } from './frame-types.js';

/** Milliseconds each lazily loaded codec took on first use (import + WASM instantiation). */
export const codecLoadTimes: Record<string, number> = {};

/**
 * A loader that runs `load` once, on first call, and caches the result. A failed load is not
 * cached. `reset()` drops the cached instance: a WASM module that trapped (abort, out-of-bounds)
 * must not be used again.
 */
export interface Lazy<T> {
  get(): Promise<T>;
  reset(): void;
}

export function lazy<T>(name: string, load: () => Promise<T>): Lazy<T> {
  let pending: Promise<T> | undefined;
  return {
    get() {
      if (!pending) {
        const started = performance.now();
        pending = load().then(
          (value) => {
            codecLoadTimes[name] ??= Math.round((performance.now() - started) * 10) / 10;
            return value;
          },
          (thrown: unknown) => {
            pending = undefined;
            throw new DomainError(
              'UnsupportedTransferSyntax',
              `The ${name} decoder could not be loaded: ${describeThrown(thrown)}.`,
            );
          },
        );
      }
      return pending;
    },
    reset() {
      pending = undefined;
    },
  };
}

/** A short description of what a WASM codec threw (a C++ exception pointer, a string, an Error). */
export function describeCodecThrow(thrown: unknown, module?: unknown): string {
  if (typeof thrown === 'number') {
    const m = module as { getExceptionMessage?: (p: number) => unknown } | undefined;
    if (m?.getExceptionMessage) {
      try {
        const msg = m.getExceptionMessage(thrown);
        const text = Array.isArray(msg) ? msg.filter(Boolean).join(': ') : String(msg);
        if (text) return text;
      } catch {
        // fall through
      }
    }
    return `codec error ${thrown}`;
  }
  if (thrown instanceof WebAssembly.RuntimeError) return `the decoder trapped (${thrown.message})`;
  return describeThrown(thrown);
}

export const tsLabel = (uid: string): string => `${uid} (${transferSyntaxName(uid)})`;

/** MalformedDicom for a bitstream the codec rejected. */
export function corruptStream(codec: string, info: FrameInfo, reason: string): DomainError {
  return new DomainError(
    'MalformedDicom',
    `The ${codec} bitstream of this frame could not be decoded (transfer syntax ${tsLabel(info.transferSyntaxUid)}): ${reason}.`,
    { transferSyntaxUid: info.transferSyntaxUid },
  );
}

/** Checks the codec's frame header against the data set's Image Pixel attributes. */
export function checkGeometry(
  codec: string,
  info: FrameInfo,
  got: { width: number; height: number; components: number; bitsPerSample: number },
): void {
  if (got.width !== info.columns || got.height !== info.rows) {
    throw new DomainError(
      'MalformedDicom',
      `The ${codec} bitstream is ${got.width} x ${got.height} but Columns x Rows (0028,0011)/(0028,0010) say ${info.columns} x ${info.rows} (PS3.5 8.2).`,
    );
  }
  if (got.components !== info.samplesPerPixel) {
    throw new DomainError(
      'MalformedDicom',
      `The ${codec} bitstream has ${got.components} component(s) but Samples per Pixel (0028,0002) is ${info.samplesPerPixel} (PS3.5 8.2).`,
    );
  }
  if (got.bitsPerSample > info.bitsAllocated) {
    throw new DomainError(
      'MalformedDicom',
      `The ${codec} bitstream has ${got.bitsPerSample}-bit samples, more than Bits Allocated (0028,0100) ${info.bitsAllocated} (PS3.5 8.2).`,
    );
  }
}

export function checkLayout(info: FrameInfo): void {
  if (info.samplesPerPixel !== 1 && info.samplesPerPixel !== 3) {
    throw new DomainError('UnsupportedPixelFormat', `Samples per Pixel (0028,0002) of ${info.samplesPerPixel} is not supported (1 or 3).`);
  }
  if (info.rows < 1 || info.columns < 1) {
    throw new DomainError('MalformedDicom', `The image is ${info.rows} x ${info.columns}; Rows and Columns must be non-zero.`);
  }
}

/** An output array of the right type for Bits Allocated and Pixel Representation. */
export function allocate(info: FrameInfo, count: number): DecodedPixels {
  const signed = info.pixelRepresentation === 1;
  switch (info.bitsAllocated) {
    case 8:
      return signed ? new Int8Array(count) : new Uint8Array(count);
    case 16:
      return signed ? new Int16Array(count) : new Uint16Array(count);
    case 32:
      return signed ? new Int32Array(count) : new Uint32Array(count);
    default:
      throw new DomainError(
        'UnsupportedPixelFormat',
        `Bits Allocated (0028,0100) of ${info.bitsAllocated} is not supported for ${tsLabel(info.transferSyntaxUid)} (8, 16 or 32).`,
      );
  }
}

/**
 * Copies a codec's little-endian output bytes (`bytesPerSample` 1 or 2, interleaved, unsigned bit patterns) into the
 * output array for the data set's Bits Allocated / Pixel Representation, after checking the
 * size is rows x columns x samples. Signed data whose Bits Stored is less than Bits Allocated is
 * sign-extended from Bits Stored (PS3.5 8.1.1: two's complement in Bits Stored bits).
 */
export function fromCodecBytes(codec: string, info: FrameInfo, bytes: Uint8Array, bytesPerSample: 1 | 2): DecodedPixels {
  const count = info.rows * info.columns * info.samplesPerPixel;
  if (bytes.length < count * bytesPerSample) {
    throw new DomainError(
      'MalformedDicom',
      `The ${codec} decoder produced ${bytes.length} bytes, fewer than the ${count * bytesPerSample} a ${info.rows} x ${info.columns} frame with ${info.samplesPerPixel} sample(s) needs.`,
    );
  }
  const out = allocate(info, count);
  // The codec's samples are bit patterns; a signed typed array of the same width wraps them to
  // two's complement, and signExtend handles Bits Stored < Bits Allocated.
  if (bytesPerSample === 1) {
    if (info.bitsAllocated === 8) out.set(bytes.subarray(0, count));
    else for (let i = 0; i < count; i++) out[i] = bytes[i];
  } else {
    if (info.bitsAllocated === 8) {
      throw new DomainError('MalformedDicom', `The ${codec} stream has more than 8-bit samples but Bits Allocated (0028,0100) is 8.`);
    }
    for (let i = 0, j = 0; i < count; i++, j += 2) out[i] = bytes[j] | (bytes[j + 1] << 8);
  }
  signExtend(out, info);
  return out;
}

/** Sign-extends signed samples from Bits Stored when it is less than Bits Allocated (in place). */
export function signExtend(out: DecodedPixels, info: FrameInfo): void {
  if (info.pixelRepresentation !== 1 || info.bitsStored >= info.bitsAllocated) return;
  const bits = info.bitsStored;
  const shift = 32 - bits;
  for (let i = 0; i < out.length; i++) out[i] = (out[i] << shift) >> shift;
}

/** Samples of a planar (colour-by-plane) buffer rearranged sample-interleaved. */
export function interleave<T extends DecodedPixels>(planar: T, pixels: number, samples: number): T {
  const out = new (planar.constructor as new (n: number) => T)(pixels * samples);
  for (let s = 0; s < samples; s++) {
    const base = s * pixels;
    for (let p = 0; p < pixels; p++) out[p * samples + s] = planar[base + p];
  }
  return out;
}

/**
 * Whether a JPEG / JPEG-LS stream ends with EOI, or a JPEG 2000 codestream with EOC (both FFD9),
 * allowing the item padding writers add after it. A stream without it is truncated: some
 * decoders would return a partly filled picture (OpenJPH; jpeg-lossless-decoder-js did) or spend
 * seconds failing (CharLS: ~6 s on a 512 x 512 frame cut in half), so it is refused up front.
 */
export function requireEndMarker(codec: string, info: FrameInfo, bytes: Uint8Array): void {
  let end = bytes.length;
  // Padding seen in real files after the marker: 00, FF, and even a space (20).
  for (let pad = 0; pad < 8 && end > 2 && !(bytes[end - 2] === 0xff && bytes[end - 1] === 0xd9); pad++) {
    const b = bytes[end - 1];
    if (b !== 0x00 && b !== 0xff && b !== 0x20) break;
    end--;
  }
  if (end >= 2 && bytes[end - 2] === 0xff && bytes[end - 1] === 0xd9) return;
  throw corruptStream(codec, info, `it does not end with the ${codec.includes('2000') || codec.includes('HTJ2K') ? 'EOC' : 'EOI'} marker FFD9: the frame is truncated`);
}
