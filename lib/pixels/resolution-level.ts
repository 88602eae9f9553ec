/**
 * Reduced-resolution decoding of wavelet codestreams (JPEG 2000, HTJ2K): decoding only up to
 * resolution level r skips the r finest decomposition levels and gives the LL band, an image of
 * ceil(W / 2^r) x ceil(H / 2^r) (ISO 15444-1 B.5 with the image origin at 0), for a fraction of
 * the work. A thumbnail needs no more than its own size.
 */

export interface Size {
  width: number;
  height: number;
}

/** The image size at reduction level `level` (0 = full size); ISO 15444-1 B-15 with origin 0. */
export const sizeAtLevel = (width: number, height: number, level: number): Size => ({
  width: Math.ceil(width / 2 ** level),
  height: Math.ceil(height / 2 ** level),
});

/**
 * The largest reduction level r <= `maxLevel` at which a `width` x `height` image still has both
 * dimensions at least `target`'s, so the final downscale to `target` never upscales; 0 = decode
 * at full size (also when the target is no smaller than the image).
 */
export function reductionLevelFor(width: number, height: number, target: Size, maxLevel: number): number {
  let level = 0;
  let size: Size = { width, height };
  while (level < maxLevel) {
    const next = sizeAtLevel(width, height, level + 1);
    if (next.width < target.width || next.height < target.height) break;
    // A 1 x 1 image halves to itself: nothing left to gain.
    if (next.width === size.width && next.height === size.height) break;
    size = next;
    level++;
  }
  return level;
}
