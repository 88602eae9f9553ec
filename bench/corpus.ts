/**
 * Render time on real files: one image per transfer syntax from ../shared/corpus (when it is
 * there), first use (codec load included) and the steady-state median.
 */
import { readFileSync } from 'node:fs';
import { vrLookup } from '../lib/dicom/dictionary.js';
import { parseDicom } from '../lib/dicom/parse.js';
import { renderPng } from '../lib/render/render-frame.js';
import { corpusAvailable, corpusPath, loadManifest } from '../test/support/corpus.js';
import { type Timing, time } from './measure.js';

export interface CorpusRow {
  transferSyntax: string;
  file: string;
  size: string;
  firstMs: number;
  steady: Timing;
}

export async function benchCorpus(runs: number): Promise<CorpusRow[] | undefined> {
  if (!corpusAvailable) return undefined;
  const byTs = new Map<string, { path: string; rows: number; columns: number }>();
  for (const f of loadManifest().files) {
    const ts = f.transfer_syntax_uid ?? '';
    const rows = Number(f.rows ?? 0);
    const columns = Number(f.columns ?? 0);
    // The largest single-frame image of each syntax that the references could render.
    const ok = (f as { reference?: { renderings_ok?: string[] } }).reference?.renderings_ok?.length;
    if (!ts || !rows || !ok || (f.frames && Number(f.frames) > 1)) continue;
    const best = byTs.get(ts);
    if (!best || rows * columns > best.rows * best.columns) byTs.set(ts, { path: f.path, rows, columns });
  }
  const out: CorpusRow[] = [];
  for (const [ts, f] of [...byTs].sort(([a], [b]) => a.localeCompare(b))) {
    const bytes = new Uint8Array(readFileSync(corpusPath(f.path)));
    const render = () => renderPng(parseDicom(bytes, { vrLookup }), { frame: 1, bitDepth: 8 });
    const t0 = performance.now();
    try {
      await render();
    } catch {
      continue; // a documented 422 (see the support table): nothing to time
    }
    const firstMs = performance.now() - t0;
    out.push({ transferSyntax: ts, file: f.path, size: `${f.columns}x${f.rows}`, firstMs, steady: await time(render, { runs, warmup: 3 }) });
  }
  return out;
}
