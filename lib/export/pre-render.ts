/**
 * The render-and-store step the processor runs ahead of the first GET /files/{id}/png: the
 * default PNG and the thumbnail into the content-addressed cache. It lives with the export
 * (the owner of render parameters and render keys); the processor gets it injected
 * (functions/processor.ts), so lib/processing does not depend on lib/export.
 */
import { DEFAULT_FEATURES } from '../config.js';
import { DomainError } from '../errors.js';
import { log } from '../log.js';
import { type DecodedStored, assertCodecEnabled, keepDecodedFrames } from '../pixels/decoders.js';
import { DECODED_FRAME_SYNTAXES, encodeDecodedFrame } from '../pixels/decoded-frame-file.js';
import { encodeRendered, renderPixels } from '../render/render-frame.js';
import { contentFrameKey, contentRenderKey } from '../storage/object-keys.js';
import type { PreRender } from '../processing/process-upload.js';
import { THUMBNAIL_EDGE, renderVariant, type RenderParams } from './render-params.js';

/** The render GET /files/{id}/png makes without parameters: frame 1, the file's window, 8 bits. */
export const DEFAULT_RENDER: RenderParams = { frame: 1, bitDepth: 8 };
/** The thumbnail: the same rendering, longer edge THUMBNAIL_EDGE (GET .../png?size=256). */
export const THUMBNAIL_RENDER: RenderParams = { ...DEFAULT_RENDER, size: THUMBNAIL_EDGE };
/** What the processor renders ahead, so the first requests for them are cache hits; they differ only in size. */
export const PRE_RENDERS: readonly RenderParams[] = [DEFAULT_RENDER, THUMBNAIL_RENDER];

/**
 * Renders the default PNG and the thumbnail into the content-addressed cache, each unless the
 * same content already has it, from one decode (they differ only in size), and for the slow
 * codecs (lib/pixels/decoded-frame-file.ts) the decoded first frame beside them. A file the renderer
 * cannot draw (no pixel data, an unsupported syntax...) is still a valid DICOM file: it is
 * ready, and GET /files/{id}/png names the reason when asked. Returns whether anything was rendered.
 * PRE_RENDER=off renders nothing, THUMBNAILS=off no thumbnail, and a codec CODECS turns off nothing.
 */
export const preRender: PreRender = async (storage, tenant, parsed, sha256, { maxDecodedBytes, features = DEFAULT_FEATURES }) => {
  if (!parsed.pixelElement || !features.preRender) return false;
  const missing: RenderParams[] = [];
  for (const params of PRE_RENDERS) {
    if (params.size !== undefined && !features.thumbnails) continue;
    if (!(await storage.head(contentRenderKey(tenant, sha256, renderVariant(params))))) missing.push(params);
  }
  if (missing.length === 0) return false;
  let pixels: Awaited<ReturnType<typeof renderPixels>>;
  // The first frame as decoded, for the codecs a new container is slow to start (written below).
  let firstFrame: DecodedStored | undefined;
  if (DECODED_FRAME_SYNTAXES.has(parsed.transferSyntaxUid)) {
    keepDecodedFrames(parsed, {
      get: () => undefined,
      set: (frameIndex, level, decoded) => {
        if (frameIndex === 0 && level === 0) firstFrame = decoded;
      },
    });
  }
  try {
    assertCodecEnabled(parsed.transferSyntaxUid, features.codecs);
    pixels = await renderPixels(parsed, DEFAULT_RENDER, maxDecodedBytes);
  } catch (e) {
    if (e instanceof DomainError) {
      log.info('pre-render skipped', { errorCode: e.code });
    } else {
      // Unexpected: a renderer bug. The upload itself is fine; GET .../png will surface it.
      log.error('pre-render failed', { errorName: (e as Error)?.name ?? typeof e });
    }
    return false;
  }
  for (const params of missing) {
    const out = encodeRendered(pixels, params.size);
    await storage.put(contentRenderKey(tenant, sha256, renderVariant(params)), out.png, 'image/png', {
      width: String(out.width),
      height: String(out.height),
    });
  }
  // Beside the renders, under the same content hash (so removed with them): a new container's
  // export renders a new window of this frame from it instead of starting the codec.
  const file = firstFrame && encodeDecodedFrame(firstFrame);
  if (file) await storage.put(contentFrameKey(tenant, sha256, 0), file, 'application/octet-stream');
  return true;
};
