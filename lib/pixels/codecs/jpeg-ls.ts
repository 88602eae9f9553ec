/**
 * JPEG-LS Lossless .80 and Near-Lossless .81 (PS3.5 A.4.3, ISO 14495-1) with CharLS, loaded
 * lazily from @cornerstonejs/codec-charls. JPEG-LS has no colour transform of its own (a
 * HP colour transform would need an APP8 marker, which CharLS rejects); interleave mode "none"
 * comes out planar and is rearranged sample-interleaved here.
 */
import { DomainError } from '../../errors.js';
import type { DecodedFrame, FrameInfo } from './frame-types.js';
import { checkGeometry, checkLayout, corruptStream, describeCodecThrow, fromCodecBytes, interleave, requireEndMarker } from './common.js';
import { readJpegHeader } from './jpeg-markers.js';
import { decodeWithWasm, wasmModule, type WasmDecoder, type WasmFrameInfo } from './wasm-codec.js';

interface LsDecoder extends WasmDecoder<WasmFrameInfo> {
  getInterleaveMode(): number;
}
interface CharlsModule {
  JpegLSDecoder: new () => LsDecoder;
  getExceptionMessage?: (ptr: number) => unknown;
}

export const charls = wasmModule<CharlsModule>('CharLS (JPEG-LS)', () => import('@cornerstonejs/codec-charls/decodewasmjs'));

export async function decodeJpegLs(encoded: Uint8Array, info: FrameInfo): Promise<DecodedFrame> {
  checkLayout(info);
  const header = readJpegHeader(encoded, 'JPEG-LS');
  if (header.sof !== 0xf7) {
    throw new DomainError(
      header.sof === 0xf9 ? 'UnsupportedPixelFormat' : 'MalformedDicom',
      header.sof === 0xf9
        ? 'The JPEG-LS stream uses the ISO 14495-2 extensions (SOF57), which CharLS does not decode.'
        : `The JPEG-LS frame has no JPEG-LS frame header (SOF55 FFF7); its first frame marker is FF${header.sof.toString(16).toUpperCase()}.`,
    );
  }
  requireEndMarker('JPEG-LS', info, encoded);
  const failure = (thrown: unknown, module: CharlsModule) => corruptStream('JPEG-LS', info, `CharLS failed (${describeCodecThrow(thrown, module)})`);
  const decoded = await decodeWithWasm(charls, (m) => new m.JpegLSDecoder(), encoded, failure, (decoder) => decoder.getInterleaveMode());
  const { bytes, frameInfo: fi, extra: interleaveMode } = decoded;
  checkGeometry('JPEG-LS', info, { width: fi.width, height: fi.height, components: fi.componentCount, bitsPerSample: fi.bitsPerSample });
  const bytesPerSample = fi.bitsPerSample > 8 ? 2 : 1;
  let pixels = fromCodecBytes('JPEG-LS', info, bytes, bytesPerSample);
  // Interleave mode 0 (none): CharLS returns one plane per component.
  if (info.samplesPerPixel > 1 && interleaveMode === 0) pixels = interleave(pixels, info.rows * info.columns, info.samplesPerPixel);
  return { pixels, samplesPerPixel: info.samplesPerPixel, photometric: info.photometric, planar: false };
}
