/**
 * The cold start we control: each function bundled exactly as CDK bundles it
 * (infra/bundling.ts: esbuild, ESM, minified, node22), its size, and its
 * module-initialisation time in a fresh Node process next to `node -e 0`. Also the first
 * request after init, and the export's peak RSS rendering the 8 MB DX image.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { ESM_BANNER, FUNCTION_NODE_OPTIONS, functionEsbuildOptions } from '../infra/bundling.js';
import { FUNCTION_ENTRIES, type FunctionName } from '../lib/http/routes.js';
import { summarize, type Timing } from './measure.js';

export interface ColdStartRow {
  function: string;
  bundleBytes: number;
  /** Time to import the bundle, measured inside the fresh process, as deployed. */
  importMs: Timing;
  /**
   * CPU time (user + system, all threads) of the process up to the end of the import, minus
   * the same for a process that imports nothing (medians): steadier than wall time when other
   * work shares the machine.
   */
  cpuAboveNodeMs: number;
  /**
   * Wall time of `node bundle.mjs` minus wall time of `node -e 0` (medians), with the
   * functions' NODE_OPTIONS: what Lambda's init runs.
   */
  aboveNodeMs: number;
  /**
   * The same bundle with its source map linked and Node's source maps on (--enable-source-maps),
   * as deployed until they were turned off (infra/bundling.ts): what that choice costs.
   */
  aboveNodeWithSourceMapsMs: number;
  /**
   * The first request after init, in process: creating the S3 client (done on first use) and
   * one S3 call to a local stub answering 404. Undefined for the processor (queue-driven).
   */
  firstRequestMs?: Timing;
}

const BANNER = ESM_BANNER;

/** The first request each HTTP function serves: one that reads S3 (the stub answers 404). */
const FIRST_REQUEST: Partial<Record<FunctionName, { routeKey: string; path: string }>> = {
  upload: { routeKey: 'GET /files/{id}', path: '/files/{id}' },
  header: { routeKey: 'GET /files/{id}/tags', path: '/files/{id}/tags' },
  export: { routeKey: 'GET /files/{id}/png', path: '/files/{id}/png' },
};
const FILE_ID = '00000000-0000-4000-8000-000000000000';

/** A stand-in S3 in its own process (spawnSync blocks ours): 404 NoSuchKey for everything. */
const S3_STUB = `
  import { createServer } from 'node:http';
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const body = req.method === 'HEAD' ? '' : '<?xml version="1.0" encoding="UTF-8"?><Error><Code>NoSuchKey</Code><Message>none</Message></Error>';
      res.writeHead(404, { 'content-type': 'application/xml', 'x-amz-request-id': 'bench' });
      res.end(body);
    });
  });
  server.listen(0, '127.0.0.1', () => process.stdout.write(String(server.address().port) + '\\n'));
`;

async function startS3Stub(outDir: string): Promise<{ endpoint: string; stop: () => void }> {
  const script = join(outDir, 's3-stub.mjs');
  writeFileSync(script, S3_STUB);
  const child = spawn(process.execPath, [script], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<string>((ok, fail) => {
    child.stdout.once('data', (d: Buffer) => ok(d.toString().trim()));
    child.once('exit', (code) => fail(new Error(`S3 stub exited (${code})`)));
  });
  return { endpoint: `http://127.0.0.1:${port}`, stop: () => child.kill() };
}

/**
 * Imports the bundle, then (when given an event) serves one request; prints both times and the
 * CPU time used up to the end of the import. Without a bundle: only the CPU time (the baseline).
 */
const PROBE = `
  const [bundle, event] = process.argv.slice(2);
  if (!bundle) {
    const u = process.cpuUsage();
    process.stdout.write(JSON.stringify({ cpuMs: (u.user + u.system) / 1000 }));
    process.exit(0);
  }
  const t0 = performance.now();
  const { handler } = await import(bundle);
  const t1 = performance.now();
  const u = process.cpuUsage();
  let first;
  if (event) {
    await handler(JSON.parse(event), { awsRequestId: 'bench', functionName: 'bench', getRemainingTimeInMillis: () => 10_000 });
    first = performance.now() - t1;
  }
  process.stdout.write(JSON.stringify({ importMs: t1 - t0, cpuMs: (u.user + u.system) / 1000, firstMs: first }));
`;

function apiEvent(routeKey: string, path: string): string {
  const rawPath = path.replace('{id}', FILE_ID);
  const [method] = routeKey.split(' ');
  return JSON.stringify({
    version: '2.0',
    routeKey,
    rawPath,
    rawQueryString: '',
    headers: { host: 'bench.local' },
    pathParameters: { id: FILE_ID },
    isBase64Encoded: false,
    requestContext: { domainName: 'bench.local', stage: '$default', http: { method, path: rawPath }, routeKey, requestId: 'bench' },
  });
}

function timed(args: string[], env: NodeJS.ProcessEnv): { ms: number; stdout: string } {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, args, { encoding: 'utf8', env });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`node ${args.join(' ')} failed: ${r.stderr}`);
  return { ms, stdout: r.stdout };
}

export async function benchColdStart(outDir: string, runs: number): Promise<ColdStartRow[]> {
  mkdirSync(outDir, { recursive: true });
  const names = Object.keys(FUNCTION_ENTRIES) as FunctionName[];
  const outfiles = Object.fromEntries(names.map((n) => [n, resolve(outDir, n, 'index.mjs')])) as Record<FunctionName, string>;
  const mapped = Object.fromEntries(names.map((n) => [n, resolve(outDir, 'source-maps-on', n, 'index.mjs')])) as Record<FunctionName, string>;
  for (const name of names) {
    await build({ ...functionEsbuildOptions(name, outfiles[name]), logLevel: 'silent' });
    await build({ ...functionEsbuildOptions(name, mapped[name]), sourcemap: true, logLevel: 'silent' });
  }
  const probe = resolve(outDir, 'probe.mjs');
  writeFileSync(probe, PROBE);

  const s3 = await startS3Stub(outDir);
  try {
    // Credentials and endpoint as Lambda would give them, except that S3 is the local stub.
    // Nothing else from this shell: NODE_EXTRA_CA_CERTS, for one, makes Node read a CA bundle
    // when TLS loads (~5 ms more above `node -e 0` here), and Lambda's node22 runtime does not
    // set it by default.
    const base: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      BUCKET_NAME: 'bench',
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'AKIDBENCH',
      AWS_SECRET_ACCESS_KEY: 'bench',
      AWS_ENDPOINT_URL_S3: s3.endpoint,
      LOG_LEVEL: 'silent',
    };
    const deployed: NodeJS.ProcessEnv = { ...base, ...(FUNCTION_NODE_OPTIONS ? { NODE_OPTIONS: FUNCTION_NODE_OPTIONS } : {}) };
    const withSourceMaps: NodeJS.ProcessEnv = { ...base, NODE_OPTIONS: '--enable-source-maps' };
    const baseline: number[] = [];
    const baselineCpu: number[] = [];
    const samples = Object.fromEntries(
      names.map((n) => [n, { walls: [] as number[], wallsMapped: [] as number[], imports: [] as number[], cpus: [] as number[], firsts: [] as number[] }]),
    ) as Record<FunctionName, { walls: number[]; wallsMapped: number[]; imports: number[]; cpus: number[]; firsts: number[] }>;
    // Interleaved, so drift on a busy machine hits every column alike.
    for (let i = 0; i < runs; i++) {
      baseline.push(timed(['-e', '0'], base).ms);
      baselineCpu.push((JSON.parse(timed([probe], deployed).stdout) as { cpuMs: number }).cpuMs);
      for (const name of names) {
        const s = samples[name];
        s.walls.push(timed([outfiles[name]], deployed).ms);
        s.wallsMapped.push(timed([mapped[name]], withSourceMaps).ms);
        const first = FIRST_REQUEST[name];
        const args = [probe, pathToFileURL(outfiles[name]).href, ...(first ? [apiEvent(first.routeKey, first.path)] : [])];
        const out = JSON.parse(timed(args, deployed).stdout) as { importMs: number; cpuMs: number; firstMs?: number };
        s.imports.push(out.importMs);
        s.cpus.push(out.cpuMs);
        if (out.firstMs !== undefined) s.firsts.push(out.firstMs);
      }
    }
    const node = summarize(baseline).median;
    const nodeCpu = summarize(baselineCpu).median;
    return names.map((name) => {
      const s = samples[name];
      return {
        function: name,
        bundleBytes: statSync(outfiles[name]).size,
        importMs: summarize(s.imports),
        cpuAboveNodeMs: summarize(s.cpus).median - nodeCpu,
        aboveNodeMs: summarize(s.walls).median - node,
        aboveNodeWithSourceMapsMs: summarize(s.wallsMapped).median - node,
        firstRequestMs: s.firsts.length ? summarize(s.firsts) : undefined,
      };
    });
  } finally {
    s3.stop();
  }
}

export interface RssResult {
  image: string;
  baselineRssMb: number;
  peakRssMb: number;
}

/** Peak RSS of a fresh process that parses and renders the file at 8 and 16 bits, as the export Lambda does. */
export async function benchExportRss(outDir: string, dicomPath: string, image: string): Promise<RssResult> {
  const script = join(outDir, 'rss-export.mjs');
  await build({
    stdin: {
      contents: `
        import { readFileSync } from 'node:fs';
        import { parseDicom } from './lib/dicom/parse.js';
        import { vrLookup } from './lib/dicom/dictionary.js';
        import { renderPng } from './lib/render/render-frame.js';
        const baseline = process.resourceUsage().maxRSS;
        const bytes = new Uint8Array(readFileSync(process.argv[2]));
        for (const bitDepth of [8, 16]) await renderPng(parseDicom(bytes, { vrLookup }), { frame: 1, bitDepth });
        process.stdout.write(JSON.stringify({ baseline, peak: process.resourceUsage().maxRSS }));
      `,
      resolveDir: resolve('.'),
      sourcefile: 'rss-export.ts',
      loader: 'ts',
    },
    outfile: script,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node22',
    banner: { js: BANNER },
    logLevel: 'silent',
  });
  const r = spawnSync(process.execPath, [script, dicomPath], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`rss probe failed: ${r.stderr}`);
  const { baseline, peak } = JSON.parse(r.stdout) as { baseline: number; peak: number };
  return { image, baselineRssMb: baseline / 1024, peakRssMb: peak / 1024 };
}
