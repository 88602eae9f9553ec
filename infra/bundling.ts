/**
 * How the functions are bundled, shared by the CDK stack and the benchmarks so both measure
 * and deploy the same thing.
 *
 * The banner gives the ESM bundle a real `require` (dicom-parser is UMD and calls
 * `require("zlib")`) and `__dirname` / `__filename`: the Emscripten loaders of the WASM codecs
 * locate their .wasm beside the script through `__dirname`, which ESM does not define.
 */
export const ESM_BANNER =
  "import { createRequire as __createRequire } from 'node:module'; import { fileURLToPath as __fileURLToPath } from 'node:url'; import { dirname as __pathDirname } from 'node:path'; const require = __createRequire(import.meta.url); const __filename = __fileURLToPath(import.meta.url); const __dirname = __pathDirname(__filename);";

/** The WASM binaries the lazily loaded codecs read at first use; copied beside the bundle. */
export const CODEC_WASM_FILES = [
  'node_modules/@cornerstonejs/codec-libjpeg-turbo-8bit/dist/libjpegturbowasm_decode.wasm',
  'node_modules/@cornerstonejs/codec-charls/dist/charlswasm_decode.wasm',
  'node_modules/@cornerstonejs/codec-openjpeg/dist/openjpegwasm_decode.wasm',
  'node_modules/@cornerstonejs/codec-openjph/dist/openjphjs.wasm',
] as const;

/** Functions that decode pixels and so need the codec binaries. */
export const DECODING_FUNCTIONS = ['export', 'processor'] as const;
