/**
 * Bundles the local server (local/server.ts: the Lambda handlers behind one HTTP listener, with
 * the embedded S3) into one ES module for the container image, so its runtime stage carries no
 * node_modules. The esbuild settings are the functions' own (infra/bundling.ts), and the files
 * the bundle reads beside itself are the ones the functions' bundles carry: openapi.yaml and the
 * codecs' .wasm.
 *
 * Usage: tsx tools/container/bundle.ts [outdir]   (default dist/container)
 */
import { copyFileSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { build, type Plugin } from 'esbuild';
import { CODEC_WASM_FILES, PROJECT_ROOT, esbuildOptions } from '../../infra/bundling.js';
import { S3_WORKER_FILE } from '../../local/local-s3.js';

/** The server's entry, relative to the repository root. */
export const SERVER_ENTRY = 'local/server.ts';
/** The embedded S3's worker thread, bundled beside server.mjs where local/local-s3.ts looks for it. */
export const S3_WORKER_ENTRY = 'local/s3-worker.mjs';
/** The token command (`npm run token` outside the image): `node token.mjs <name>` in the container. */
export const TOKEN_ENTRY = 'local/token.ts';

/**
 * local/s3-worker.mjs (the embedded S3's worker thread) loads s3rver (CommonJS, no types) through `createRequire(import.meta.url)`.
 * esbuild only bundles calls to the global `require`, so those calls would stay runtime look-ups
 * into a node_modules the image does not have. This gives that one file a `createRequire` whose
 * require maps each module id the file names (read from its source) to a literal require() that
 * esbuild bundles; an id it does not know throws rather than reaching for node_modules.
 */
export const bundledCreateRequire: Plugin = {
  name: 'bundled-create-require',
  setup(b) {
    b.onResolve({ filter: /^(node:)?module$/ }, (args) =>
      /[\\/]local[\\/]s3-worker\.mjs$/.test(args.importer) ? { path: args.importer, namespace: 'bundled-create-require' } : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'bundled-create-require' }, (args) => {
      const source = readFileSync(args.path, 'utf8');
      const ids = [...new Set([...source.matchAll(/\brequire\(\s*'([^']+)'\s*\)/g)].map((m) => m[1]))];
      if (ids.length === 0) return { errors: [{ text: `no require('...') calls found in ${args.path}` }] };
      const cases = ids.map((id) => `    case ${JSON.stringify(id)}: return require(${JSON.stringify(id)});`).join('\n');
      return {
        resolveDir: path.dirname(args.path),
        loader: 'js',
        contents: `export function createRequire() {\n  return (id) => {\n    switch (id) {\n${cases}\n    }\n    throw new Error('not bundled: ' + id);\n  };\n}\n`,
      };
    });
  },
};

export async function bundleServer(outdir: string): Promise<void> {
  rmSync(outdir, { recursive: true, force: true });
  mkdirSync(outdir, { recursive: true });
  const options = esbuildOptions(SERVER_ENTRY, path.join(outdir, 'server.mjs'));
  // The functions' settings less one: the credential providers Lambda cannot use (shared config
  // profiles, SSO, credential_process, web identity as on EKS) stay, since a container may.
  await build({ ...options, alias: {} });
  await build({ ...esbuildOptions(S3_WORKER_ENTRY, path.join(outdir, S3_WORKER_FILE)), alias: {}, plugins: [bundledCreateRequire] });
  // The same key and issuer as the server's: both read LOCAL_DATA_DIR (/data) and PORT.
  await build({ ...esbuildOptions(TOKEN_ENTRY, path.join(outdir, 'token.mjs')), alias: {} });
  // lib/http/openapi.ts reads the contract beside the bundle; the codecs' loaders read their .wasm there.
  for (const f of ['openapi.yaml', ...CODEC_WASM_FILES]) copyFileSync(path.join(PROJECT_ROOT, f), path.join(outdir, path.basename(f)));
}

const outdir = path.resolve(process.argv[2] ?? path.join(PROJECT_ROOT, 'dist', 'container'));
await bundleServer(outdir);
process.stdout.write(`bundled ${SERVER_ENTRY}, ${S3_WORKER_ENTRY} and ${TOKEN_ENTRY} into ${path.relative(process.cwd(), outdir) || '.'}\n`);
