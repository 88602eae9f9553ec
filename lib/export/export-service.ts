import type { Config } from '../config.js';
import { DomainError } from '../errors.js';
import { vrLookup } from '../dicom/dictionary.js';
import { parseDicom } from '../dicom/parse.js';
import { renderPng } from '../render/render-frame.js';
import { type Storage, renderKey, uploadKey } from '../storage/storage.js';
import { type RenderParams, renderVariant } from './render-params.js';

export interface ExportResult {
  url: string;
  cached: boolean;
  width: number;
  height: number;
  frame: number;
  bitDepth: 8 | 16;
}

/**
 * Renders one frame to PNG, or finds the PNG a previous identical request made: the cache
 * object's key is the file id plus the normalised parameters, so a hit costs one HEAD and
 * neither downloads the DICOM nor renders.
 */
export async function exportPng(
  storage: Storage,
  cfg: Pick<Config, 'renderUrlTtlSeconds' | 'maxUploadBytes'>,
  id: string,
  params: RenderParams,
): Promise<ExportResult> {
  const key = renderKey(id, renderVariant(params));
  const presign = () => storage.presignGet(key, { expiresIn: cfg.renderUrlTtlSeconds, contentType: 'image/png' });

  const hit = await storage.head(key);
  if (hit) {
    return {
      url: await presign(),
      cached: true,
      width: Number(hit.metadata?.width ?? 0),
      height: Number(hit.metadata?.height ?? 0),
      frame: params.frame,
      bitDepth: params.bitDepth,
    };
  }

  const source = await storage.head(uploadKey(id));
  if (!source) throw new DomainError('FileNotFound', 'No file has been uploaded under this id.');
  if (source.size > cfg.maxUploadBytes) {
    throw new DomainError('ImageTooLarge', `The file is ${source.size} bytes, over the ${cfg.maxUploadBytes}-byte limit.`);
  }
  const bytes = await storage.get(uploadKey(id));
  if (!bytes) throw new DomainError('FileNotFound', 'No file has been uploaded under this id.');

  const parsed = parseDicom(bytes, { vrLookup });
  const out = await renderPng(parsed, params);
  // Written only after a complete render: a failed render leaves no cache object behind.
  await storage.put(key, out.png, 'image/png', { width: String(out.width), height: String(out.height) });
  return { url: await presign(), cached: false, width: out.width, height: out.height, frame: out.frame, bitDepth: out.bitDepth };
}
