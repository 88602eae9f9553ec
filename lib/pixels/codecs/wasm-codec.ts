/**
 * The call sequence every Cornerstone WebAssembly decoder (CharLS, OpenJPEG, OpenJPH,
 * libjpeg-turbo) needs, written once: load the module on first use, create a decoder, copy the
 * stream into the WASM heap, decode, read the frame info, copy the samples out and free the
 * decoder. A module that threw is dropped (a trapped module must not be used again).
 */
import { DomainError } from '../../errors.js';
import { lazy, type Lazy } from './common.js';

/** An Emscripten module factory, the default export of each codec package's glue. */
type EmscriptenFactory = (moduleArg?: Record<string, unknown>) => Promise<unknown>;

/** The decoder class every Cornerstone codec exports under its own name (embind). */
export interface WasmDecoder<FrameInfo> {
  getEncodedBuffer(length: number): Uint8Array;
  getDecodedBuffer(): Uint8Array;
  decode(): void;
  getFrameInfo(): FrameInfo;
  delete(): void;
}

/** The frame info fields every codec reports. */
export interface WasmFrameInfo {
  width: number;
  height: number;
  bitsPerSample: number;
  componentCount: number;
}

/**
 * Fresh Emscripten module options (each instance mutates and keeps its own object, so never
 * share one): OpenJPEG and friends print [INFO]/[WARNING] lines to stdout otherwise.
 */
const quietModule = (): Record<string, unknown> => ({ print: () => {}, printErr: () => {} });

/**
 * A codec's WebAssembly module, instantiated on first `get()`. `glue` must be a literal
 * `import('package/path')` in the caller so the bundler sees the package and nothing loads
 * it at import time.
 */
export function wasmModule<M>(name: string, glue: () => Promise<{ default: EmscriptenFactory }>): Lazy<M> {
  return lazy(name, async () => (await (await glue()).default(quietModule())) as M);
}

export interface WasmDecodeResult<F, X> {
  /** The decoded samples, copied out of the WASM heap. */
  bytes: Uint8Array;
  frameInfo: F;
  /** What `read` took from the decoder after decoding (e.g. CharLS's interleave mode). */
  extra: X;
}

/**
 * Decodes `stream` with a fresh decoder from `create`. A throw from the codec drops the module
 * and becomes the DomainError `failure` builds from it (with the module, whose
 * getExceptionMessage may describe a C++ exception pointer). `run` replaces the plain
 * `decode()` call (e.g. a JPEG 2000 decode at a reduced resolution).
 */
export async function decodeWithWasm<M, F extends WasmFrameInfo, D extends WasmDecoder<F>, X = undefined>(
  wasm: Lazy<M>,
  create: (module: M) => D,
  stream: Uint8Array,
  failure: (thrown: unknown, module: M) => DomainError,
  read?: (decoder: D) => X,
  run: (decoder: D) => void = (decoder) => decoder.decode(),
): Promise<WasmDecodeResult<F, X>> {
  const module = await wasm.get();
  let decoder: D | undefined;
  try {
    decoder = create(module);
    decoder.getEncodedBuffer(stream.length).set(stream);
    run(decoder);
    const frameInfo = decoder.getFrameInfo();
    const extra = read?.(decoder) as X;
    // Copy out of the WASM heap before the decoder is freed.
    return { bytes: decoder.getDecodedBuffer().slice(), frameInfo, extra };
  } catch (thrown) {
    if (thrown instanceof DomainError) throw thrown;
    const error = failure(thrown, module);
    wasm.reset();
    throw error;
  } finally {
    try {
      decoder?.delete();
    } catch {
      // the module may have aborted; it has been dropped above
    }
  }
}
