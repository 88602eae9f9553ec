/**
 * The inline answer of GET /files/{id}/png: with `Accept: image/png` the PNG itself, in the
 * response (200 image/png), instead of a 303 to a presigned copy in S3. A viewer dragging the
 * window then gets each new picture in one hop (bench/profile-export.ts: the PUT of the copy and
 * the client's second request to S3 were most of a small image's uncached request).
 */

/**
 * The largest PNG answered inline. Lambda's synchronous response payload is limited to 6 MB
 * (6,291,456 bytes) and a binary body counts base64-encoded (4/3 of the bytes): 4 MiB of PNG is
 * 5,592,408 characters, leaving ~700 KB for the headers and the proxy envelope. A bigger PNG
 * (a 16-bit DX of 2048 x 2048 can be 5-8 MB) keeps the 303 to its cached copy.
 */
export const INLINE_PNG_MAX_BYTES = 4 * 1024 * 1024;

/**
 * A render at least this long (decode, window, encode) also writes its cache copy before an
 * inline answer; a quicker one does not. Lambda freezes the container once the answer is
 * returned, so the copy cannot be written after answering: before, or not at all. Measured
 * (bench/profile-export.ts and bench/inline.ts, embedded S3): the PUT of a CT 512 PNG costs
 * 14-17 ms against a 2.5-7 ms render, and a DX 2048 renders in 37 ms; each new window of a drag
 * is asked once, so its copy would rarely be read. What is worth keeping is a first decode of a
 * large compressed image (JPEG Lossless 2394 x 3062: 360-730 ms; JPEG 2000 1760 x 2140:
 * 400-470 ms), for the next container; later windows on it come from the decoded frame kept in
 * the warm container (lib/export/frame-memo.ts: 50-160 ms) and are not stored.
 */
export const INLINE_CACHE_WRITE_MIN_RENDER_MS = 200;

/**
 * Whether the Accept header asks for `image/png` itself (RFC 9110 12.5.1): a media range of
 * exactly `image/png` (case-insensitive) with a weight above 0. Wildcards (`*\/*`, `image/*`)
 * and no Accept at all keep the redirect, the contract clients written before this had.
 */
export function acceptsPngInline(accept: string | undefined): boolean {
  if (!accept) return false;
  for (const range of accept.split(',')) {
    const [type, ...params] = range.split(';');
    if (type.trim().toLowerCase() !== 'image/png') continue;
    let q = 1;
    for (const p of params) {
      const [name, value] = p.split('=').map((s) => s.trim());
      // RFC 9110 12.4.2: qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] ).
      if (name.toLowerCase() === 'q') q = /^(0(\.\d{0,3})?|1(\.0{0,3})?)$/.test(value ?? '') ? Number(value) : 0;
    }
    if (q > 0) return true;
  }
  return false;
}

/**
 * Headers of an inline PNG. `private`: the answer is for an authenticated user, so shared
 * caches must not keep it; max-age as long as a presigned URL of the same PNG would live (the
 * 303 hands out that much access too). `vary: accept`: the same URL answers JSON, a 303 or the
 * PNG depending on Accept.
 */
export function inlinePngHeaders(maxAgeSeconds: number, cached: boolean): Record<string, string> {
  return {
    'content-type': 'image/png',
    'cache-control': `private, max-age=${maxAgeSeconds}`,
    vary: 'accept',
    // Whether the PNG came from the render cache (as the JSON answer's `cached`); an inline
    // answer is always a new rendering today (a cached PNG keeps the 303).
    'x-render-cache': cached ? 'hit' : 'miss',
  };
}
