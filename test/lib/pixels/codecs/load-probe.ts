/**
 * Run in a fresh Node process by lazy-load.test.ts (`node --import tsx load-probe.ts [file]`):
 * imports the transfer syntax -> decoder registry and reports which packages the module
 * graph resolved and how many WebAssembly modules were compiled, then the same after importing
 * the parser, and with a DICOM file after decoding its frame 1. A resolve hook sees every import of the process, so an
 * eager import of a codec's glue shows even when its factory is never called.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { register } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const log = join(tmpdir(), `dicom-load-probe-${process.pid}.log`);
writeFileSync(log, '');
const hooks = `
import { appendFileSync } from 'node:fs';
let log;
export function initialize(data) { log = data.log; }
export async function resolve(specifier, context, next) {
  const result = await next(specifier, context);
  appendFileSync(log, result.url + '\\n');
  return result;
}`;
register(`data:text/javascript,${encodeURIComponent(hooks)}`, import.meta.url, { data: { log } });

let wasmCompiles = 0;
const wasm = WebAssembly as unknown as Record<string, (...a: unknown[]) => unknown>;
for (const name of ['instantiate', 'instantiateStreaming', 'compile', 'compileStreaming']) {
  const original = wasm[name];
  if (typeof original !== 'function') continue;
  wasm[name] = (...args: unknown[]) => {
    wasmCompiles++;
    return original.apply(WebAssembly, args);
  };
}

/** The packages (node_modules/<name> or node_modules/@scope/<name>) resolved so far. */
function packages(): string[] {
  const names = new Set<string>();
  for (const url of readFileSync(log, 'utf8').split('\n')) {
    const m = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
    if (m) names.add(m[1]);
  }
  return [...names].sort();
}

const report: Record<string, unknown> = {};
const { decodeFrame } = await import('../../../../lib/pixels/decoders.js');
const { codecLoadTimes } = await import('../../../../lib/pixels/codecs/common.js');
report.imported = { packages: packages(), wasmCompiles, codecsLoaded: Object.keys(codecLoadTimes) };

// The parser imports dicom-parser: the control that shows the hook sees package imports.
const { parseDicom } = await import('../../../../lib/dicom/parse.js');
const { readImageInfo } = await import('../../../../lib/pixels/image-info.js');
report.withParser = { packages: packages(), wasmCompiles, codecsLoaded: Object.keys(codecLoadTimes) };

const file = process.argv[2];
if (file) {
  const parsed = parseDicom(new Uint8Array(readFileSync(file)));
  const decoded = await decodeFrame(parsed, readImageInfo(parsed), 0);
  report.decoded = { packages: packages(), wasmCompiles, codecsLoaded: Object.keys(codecLoadTimes), values: decoded.values.length };
}
if (!process.env.KEEP_PROBE_LOG) rmSync(log, { force: true });
process.stdout.write(JSON.stringify(report));
