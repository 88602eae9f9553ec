/**
 * `npm run bench`: the performance suite. Prints tables and writes bench/results/bench.json.
 *   BENCH_RUNS (default 15)      repetitions per in-process measurement
 *   BENCH_REQUESTS (default 200) requests per HTTP scenario
 *   BENCH_ONLY=render,corpus,http,inline,cold,coldcodec,memory,png  run a subset (the default
 *                                list); inline = a new window with the PNG in hand beside Orthanc
 *                                and the native decoders (bench/inline.ts); coldcodec = the first
 *                                render of a compressed file in a fresh process beside the native
 *                                decoders' whole process (bench/cold-compressed.ts); memory = the
 *                                export's peak RSS with its memos full (bench/memory.ts)
 *   BENCH_ONLY=compare           side by side with pydicom + Pillow and Orthanc (bench/compare/;
 *                                set up with bench/compare/install.sh); not in the default list.
 *                                Writes bench/results/compare.json. BENCH_COMPARE_ROUNDS (default 3)
 *                                in-process rounds; BENCH_COMPARE_BUDGET_MS (default 3000) wall
 *                                time aimed at per HTTP scenario (at most BENCH_REQUESTS requests)
 */
import './bench-env.js';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { allBenchImages, ct512, dx2048 } from './fixtures.js';
import { benchColdStart, benchExportRss } from './cold-start.js';
import { benchCompare, compareTables } from './compare/compare.js';
import { benchCorpus } from './corpus.js';
import { benchHttp } from './http.js';
import { benchInline, benchInlinePaired } from './inline.js';
import { benchColdCompressed } from './cold-compressed.js';
import { NATIVE_TOOLS, toolLabel } from './native-anchors.js';
import { benchMemory } from './memory.js';
import { ms, table } from './measure.js';
import { benchHeaderParse, benchRender } from './render.js';

const runs = Number(process.env.BENCH_RUNS ?? 15);
const requests = Number(process.env.BENCH_REQUESTS ?? 200);
const only = new Set((process.env.BENCH_ONLY ?? 'render,corpus,http,inline,cold,coldcodec,memory,png').split(','));
const outDir = join('bench', 'results');
mkdirSync(outDir, { recursive: true });

const machine = {
  node: process.version,
  cpu: cpus()[0]?.model ?? 'unknown',
  cores: cpus().length,
  memoryGiB: Math.round(totalmem() / 1024 ** 3),
  date: new Date().toISOString(),
};
const results: Record<string, unknown> = { machine, runs, requests };
const say = (s: string) => process.stdout.write(`${s}\n`);
say(`# Benchmarks — Node ${machine.node}, ${machine.cores} x ${machine.cpu}, ${machine.memoryGiB} GiB\n`);

const images = allBenchImages();

if (only.has('render')) {
  const render = await benchRender(images, runs);
  results.render = render;
  say('## Render in process (DICOM bytes -> PNG bytes), median ms\n');
  say(
    table(
      ['image', 'bits', 'render', 'p95', 'floor (LUT + zlib 1)', 'render / floor', 'PNG bytes', 'floor bytes'],
      render.map((r) => [r.image, r.bitDepth, ms(r.render.median), ms(r.render.p95), ms(r.floor.median), r.ratio.toFixed(2), r.pngBytes, r.floorBytes]),
    ),
  );
  const header = await benchHeaderParse(images, runs);
  results.headerParse = header;
  say('\n## Header parse (first 64 KiB, up to Pixel Data), median ms\n');
  say(table(['image', 'parse', 'to DICOM JSON'], header.map((h) => [h.image, ms(h.parse.median), ms(h.json.median)])));
}

if (only.has('corpus')) {
  const corpus = await benchCorpus(Math.max(5, Math.min(runs, 15)));
  results.corpus = corpus ?? 'not run: ../shared/corpus not found';
  say('\n## Real files: one image per transfer syntax from ../shared/corpus, 8-bit PNG, ms\n');
  if (!corpus) say('NOT RUN: ../shared/corpus not found (set DICOM_CORPUS).');
  else say(table(['transfer syntax', 'file', 'size', 'first use', 'median', 'p95'], corpus.map((c) => [c.transferSyntax, c.file, c.size, ms(c.firstMs), ms(c.steady.median), ms(c.steady.p95)])));
}

if (only.has('http')) {
  const http = await benchHttp([ct512(), dx2048()], requests);
  results.http = http;
  say('\n## End to end over HTTP (local server + embedded S3 in one process, the client in another), ms\n');
  say(
    table(
      ['container memo', 'scenario', 'image', 'conns', 'requests', 'p50', 'p95', 'req/s', 'non-2xx'],
      http.map((h) => [h.memo, h.scenario, h.image, h.connections, h.requests, ms(h.latency.median), ms(h.latency.p95), h.requestsPerSecond.toFixed(0), h.non2xx]),
    ),
  );
}

if (only.has('inline')) {
  const inline = await benchInline(Math.max(10, Math.floor(requests / 4)), runs);
  results.inline = inline;
  say('\n## A new window with the PNG in hand (bench/inline.ts): 1 connection, ms until the body is read\n');
  const orthancP50 = new Map(inline.rows.filter((r) => r.scenario.startsWith('Orthanc')).map((r) => [r.image, r.latency.median]));
  const nativeP50 = new Map<string, number>();
  for (const r of inline.rows) if (r.native) nativeP50.set(r.image, Math.min(r.latency.median, nativeP50.get(r.image) ?? Infinity));
  const over = (t: number, anchor: number | undefined) => (anchor ? `${(t / anchor).toFixed(2)}x` : '-');
  say(
    table(
      ['image', 'who, how', 'requests', 'p50', 'p95', '/ Orthanc p50', '/ fastest native p50'],
      inline.rows.map((r) => [r.image, r.scenario, r.latency.runs, ms(r.latency.median), ms(r.latency.p95), over(r.latency.median, orthancP50.get(r.image)), over(r.latency.median, nativeP50.get(r.image))]),
    ),
  );
  for (const note of inline.notes) say(`NOTE: ${note}`);
  const paired = await benchInlinePaired([ct512(), dx2048()], Math.max(10, Math.floor(requests / 4)));
  results.inlinePaired = paired;
  say('\nThe same, alternating one request to this service (inline, warm memo) and one to Orthanc `/rendered`:\n');
  say(
    table(
      ['image', 'requests', 'this service p50', 'Orthanc p50', 'median of per-pair ratios'],
      paired.rows.map((r) => [r.image, r.service.runs, ms(r.service.median), ms(r.orthanc.median), `${r.ratio.toFixed(2)}x`]),
    ),
  );
  for (const note of paired.notes) say(`NOTE: ${note}`);
}

if (only.has('cold')) {
  const cold = await benchColdStart(join(outDir, 'bundles'), Math.max(5, Math.min(runs, 15)));
  results.coldStart = cold;
  say('\n## Bundles (as CDK builds them) and module initialisation (fresh process), ms\n');
  say(
    table(
      ['function', 'bundle KiB', 'import (in process)', 'init: wall above node -e 0', 'init: CPU above node', 'same with Node source maps on', 'first request (S3 404)'],
      cold.map((c) => [
        c.function,
        (c.bundleBytes / 1024).toFixed(0),
        ms(c.importMs.median),
        ms(c.aboveNodeMs),
        ms(c.cpuAboveNodeMs),
        ms(c.aboveNodeWithSourceMapsMs),
        c.firstRequestMs ? ms(c.firstRequestMs.median) : '-',
      ]),
    ),
  );
  say('\nInit runs with the functions\' NODE_OPTIONS (infra/bundling.ts). "With Node source maps on": the map linked and --enable-source-maps, as deployed before.');
  say('CPU: user + system time of the fresh process up to the end of the import, less that of one importing nothing.');
  say('First request: in the same fresh process after init, one request that creates the S3 client and reads S3 (a local stub).');
  const dx = dx2048();
  const dxPath = join(outDir, 'dx2048.dcm');
  writeFileSync(dxPath, dx.bytes);
  const rss = await benchExportRss(outDir, dxPath, dx.name);
  results.exportRss = rss;
  say(`\nExport peak RSS on ${dx.name} (${(dx.bytes.length / 1024 ** 2).toFixed(1)} MiB file), 8- and 16-bit renders: ${rss.peakRssMb.toFixed(0)} MB (after imports: ${rss.baselineRssMb.toFixed(0)} MB)`);
}

if (only.has('coldcodec')) {
  const cold = await benchColdCompressed(outDir, Math.max(5, Math.min(runs, 9)));
  results.coldCompressed = cold;
  say('\n## Compressed, first render in a new process (bench/cold-compressed.ts): spawn to exit, p50 ms\n');
  say(
    table(
      [
        'image',
        'this service: whole process',
        'of which the render',
        'render from the decoded frame (whole process)',
        ...NATIVE_TOOLS.map(toolLabel),
        'whole process / fastest native',
        'first request (render in process) / fastest native',
        'from the decoded frame: render / fastest native',
      ],
      cold.rows.map((r) => {
        const fastest = Math.min(...r.anchors.map((a) => a.latency.median));
        const ratio = (t: number) => (Number.isFinite(fastest) ? `${(t / fastest).toFixed(2)}x` : '-');
        return [
          r.image,
          ms(r.service.median),
          ms(r.renderInProcess.median),
          r.fromDecodedFrame ? `${ms(r.fromDecodedFrame.renderInProcess.median)} (${ms(r.fromDecodedFrame.service.median)})` : '-',
          ...NATIVE_TOOLS.map((tool) => ms(r.anchors.find((a) => a.tool === tool)?.latency.median)),
          ratio(r.service.median),
          ratio(r.renderInProcess.median),
          r.fromDecodedFrame ? ratio(r.fromDecodedFrame.renderInProcess.median) : '-',
        ];
      }),
    ),
  );
  say('\nIn Lambda, Node\'s start and the module load are the init phase (BENCH_ONLY=cold); the render in process is what the first request pays.');
  say('"From the decoded frame": the frame the processor wrote decoded (lib/pixels/decoded-frame-file.ts) read instead of running the codec, both objects in memory (S3 GETs not counted).');
  for (const note of cold.notes) say(`NOTE: ${note}`);
}

if (only.has('memory')) {
  const mem = await benchMemory(outDir);
  results.memory = mem;
  say(`\n## Export peak RSS with every memo full (bench/memory.ts), limit = half of ${mem.functionMb} MB\n`);
  say(`After imports ${mem.afterImportMb.toFixed(0)} MB; memos filled (parsed files ${mem.memo.sourcesMiB.toFixed(0)} MiB, decoded frames ${mem.memo.framesMiB.toFixed(0)} MiB): ${mem.afterFillMb.toFixed(0)} MB`);
  say(
    table(
      ['then rendering', 'file MiB', 'peak RSS MB', 'limit MB', 'met'],
      mem.renders.map((r) => [r.image, r.fileMiB.toFixed(1), r.peakRssMb.toFixed(0), mem.limitMb.toFixed(0), r.peakRssMb <= mem.limitMb ? 'yes' : 'no']),
    ),
  );
  for (const note of mem.notes) say(`NOTE: ${note}`);
}

if (only.has('png')) {
  say('\n## PNG encoders side by side (bench/png-encoders.ts)\n');
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'bench/png-encoders.ts', String(Math.max(3, Math.min(runs, 7)))], { encoding: 'utf8' });
  say(r.stdout.trim());
  results.pngEncoders = r.stdout;
}

if (only.has('compare')) {
  say('\n## Side by side: this service, pydicom + Pillow, Orthanc (bench/compare/)\n');
  const compare = await benchCompare({
    runs,
    rounds: Number(process.env.BENCH_COMPARE_ROUNDS ?? 3),
    requests,
    minRequests: 15,
    budgetMs: Number(process.env.BENCH_COMPARE_BUDGET_MS ?? 3000),
    outDir,
    say,
  });
  results.compare = compare;
  writeFileSync(join(outDir, 'compare.json'), JSON.stringify({ machine, ...compare }, null, 2));
  say(`\n${compareTables(compare)}`);
  say(`\nWrote ${join(outDir, 'compare.json')} (PNGs in ${join(outDir, 'compare-png')})`);
}

if (only.has('j2kres')) results.j2kReduced = await (await import('./j2k-reduced.js')).runJ2kReducedSection(say);

writeFileSync(join(outDir, 'bench.json'), JSON.stringify(results, null, 2));
say(`\nWrote ${join(outDir, 'bench.json')}`);
