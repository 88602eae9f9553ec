/**
 * How the functions are bundled: the one description the CDK stack deploys (bundlingOptions)
 * and the benchmarks and tests build with (esbuildOptions), so what is measured is what runs.
 *
 * The banner gives the ESM bundle a real `require` (dicom-parser is UMD and calls
 * `require("zlib")`) and `__dirname` / `__filename`: the Emscripten loaders of the WASM codecs
 * locate their .wasm beside the script through `__dirname`, which ESM does not define.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { LogLevel, OutputFormat, SourceMapMode, type BundlingOptions } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { BuildOptions } from 'esbuild';
import { DOCS_ASSET_FILES } from '../lib/http/docs-assets.js';
import { FUNCTION_ENTRIES, type FunctionName } from '../lib/http/routes.js';

/** Repository root: entries, package-lock.json and openapi.yaml are resolved from here, not from the cwd. */
export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

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

/**
 * Credential providers of the SDK's default chain that cannot apply in Lambda, replaced in the
 * bundles by stand-ins that pass to the next provider (why: infra/unused-credential-providers.ts).
 * Paths are relative to the repository root, where CDK runs esbuild.
 */
export const CREDENTIAL_PROVIDER_STUBS = Object.fromEntries(
  ['ini', 'sso', 'process', 'web-identity'].map((p) => [`@aws-sdk/credential-provider-${p}`, './infra/unused-credential-providers.ts']),
) as Readonly<Record<string, string>>;

/**
 * The esbuild settings of every function, in esbuild's own terms. bundlingOptions() hands each
 * of them to CDK; test/infra checks that CDK's bundle and esbuildOptions()'s are the same bytes.
 *
 * mainFields: packages without an `exports` map (@aws-sdk/client-s3 among them) resolve to their
 * ESM build, which esbuild can tree-shake; esbuild's default for node picks their CommonJS build.
 */
export const ESBUILD_SETTINGS = {
  platform: 'node',
  format: 'esm',
  target: 'node22',
  mainFields: ['module', 'main'],
  minify: true,
  // Written beside the bundle to map a stack trace by hand, but not linked from it (see
  // FUNCTION_NODE_OPTIONS). true links it again and turns Node's source maps back on.
  sourcemap: 'external' as 'external' | true,
  sourcesContent: false,
  banner: ESM_BANNER,
  alias: CREDENTIAL_PROVIDER_STUBS,
} as const;

/**
 * NODE_OPTIONS of every function. --enable-source-maps makes stack traces point into the
 * TypeScript sources, but Node then reads and parses the bundle's .map and scans the whole
 * bundle for line lengths at every cold start: 8-14 ms of init here (the bench prints it as
 * "same with Node source maps on"). Our logs never carry stack traces (errors are logged by name, see
 * lib/http/middleware.ts), so only a crash during init would show one: the maps stay off.
 */
export const FUNCTION_NODE_OPTIONS = ESBUILD_SETTINGS.sourcemap === true ? '--enable-source-maps' : '';

/** esbuild API options that build `entry` (relative to the repository root) exactly as CDK does. */
export function esbuildOptions(entry: string, outfile: string): BuildOptions {
  const s = ESBUILD_SETTINGS;
  return {
    absWorkingDir: PROJECT_ROOT,
    entryPoints: [path.resolve(PROJECT_ROOT, entry)],
    outfile,
    bundle: true,
    platform: s.platform,
    format: s.format,
    target: s.target,
    mainFields: [...s.mainFields],
    minify: s.minify,
    sourcemap: s.sourcemap,
    sourcesContent: s.sourcesContent,
    banner: { js: s.banner },
    alias: { ...s.alias },
    logLevel: 'warning',
  };
}

/** esbuild API options for one function's entry, writing `outfile`. */
export const functionEsbuildOptions = (name: FunctionName, outfile: string): BuildOptions => esbuildOptions(FUNCTION_ENTRIES[name], outfile);

/**
 * NodejsFunction bundling: esbuild run locally (no Docker) with ESBUILD_SETTINGS. The AWS SDK is
 * bundled rather than taken from the runtime so the deployed code runs the versions
 * package-lock.json pins and the tests ran.
 */
export function bundlingOptions(name: FunctionName): BundlingOptions {
  const s = ESBUILD_SETTINGS;
  return {
    forceDockerBundling: false,
    format: s.format === 'esm' ? OutputFormat.ESM : OutputFormat.CJS,
    target: s.target,
    mainFields: [...s.mainFields],
    minify: s.minify,
    sourceMap: true,
    sourceMapMode: s.sourcemap === 'external' ? SourceMapMode.EXTERNAL : SourceMapMode.DEFAULT,
    sourcesContent: s.sourcesContent,
    externalModules: [],
    logLevel: LogLevel.WARNING,
    banner: s.banner,
    // CDK has no alias option; its esbuildArgs are passed to the esbuild CLI as they are.
    esbuildArgs: Object.fromEntries(Object.entries(s.alias).map(([from, to]) => [`--alias:${from}`, to])),
    commandHooks: {
      beforeBundling: () => [],
      beforeInstall: () => [],
      afterBundling: (inputDir: string, outputDir: string) => [
        // GET /openapi and GET /docs read openapi.yaml beside the handler (/var/task).
        ...(name === 'upload' ? [`cp ${shellQuote(path.join(inputDir, 'openapi.yaml'))} ${shellQuote(path.join(outputDir, 'openapi.yaml'))}`] : []),
        // GET /docs/{asset} serves the pinned Swagger UI files from beside the handler too.
        ...(name === 'upload' ? DOCS_ASSET_FILES.map((f) => `cp ${shellQuote(path.join(inputDir, f))} ${shellQuote(outputDir)}`) : []),
        // The codecs' Emscripten loaders read their .wasm beside the bundle on first use.
        ...((DECODING_FUNCTIONS as readonly string[]).includes(name)
          ? CODEC_WASM_FILES.map((f) => `cp ${shellQuote(path.join(inputDir, f))} ${shellQuote(outputDir)}`)
          : []),
      ],
    },
  };
}

const shellQuote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;
