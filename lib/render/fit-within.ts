/**
 * Downscaling for thumbnails: the rendered image shrunk so its longer edge is at most `edge`,
 * by area averaging (each output pixel is the mean of the source pixels it covers, with
 * fractional coverage at the borders) — no aliasing, and the display values are already final,
 * so averaging them is what a viewer's zoom-out shows.
 */
export interface Pixels {
  data: Uint8Array | Uint16Array;
  channels: 1 | 3;
  width: number;
  height: number;
}

/**
 * Per output index, the source indices it covers and their weights (1-D area filter): output
 * pixel o covers source [o * scale + offset, (o + 1) * scale + offset), source pixel s covering
 * [s, s + 1). With an offset the interval is clipped to the source and the weights renormalised.
 */
function weights(from: number, to: number, scale = from / to, offset = 0): { start: Int32Array; count: Int32Array; w: Float64Array; stride: number } {
  const stride = Math.ceil(scale) + 1;
  const start = new Int32Array(to);
  const count = new Int32Array(to);
  const w = new Float64Array(to * stride);
  for (let o = 0; o < to; o++) {
    let a = o * scale + offset;
    let b = a + scale;
    let span = scale;
    if (offset !== 0) {
      a = Math.min(Math.max(a, 0), from - 1);
      b = Math.min(Math.max(b, a + 1e-9), from);
      span = b - a;
    }
    const first = Math.floor(a);
    start[o] = first;
    let n = 0;
    for (let s = first; s < b && s < from; s++) {
      w[o * stride + n] = (Math.min(b, s + 1) - Math.max(a, s)) / span;
      n++;
    }
    count[o] = n;
  }
  return { start, count, w, stride };
}

/** The size a `width` x `height` image is shrunk to so its longer edge is at most `edge` (itself when it fits). */
export function fitSize(width: number, height: number, edge: number): { width: number; height: number } {
  if (width <= edge && height <= edge) return { width, height };
  const ratio = edge / Math.max(width, height);
  return { width: Math.max(1, Math.round(width * ratio)), height: Math.max(1, Math.round(height * ratio)) };
}

/** A reduced-resolution image's origin: the full image's size and the reduction level (lib/pixels/resolution-level.ts). */
export interface ReducedFrom {
  width: number;
  height: number;
  level: number;
}

/**
 * `img` shrunk to fit `edge`. With `reduced`, `img` is the LL band of a `reduced.width` x
 * `reduced.height` image at reduction level r (a JPEG 2000 frame decoded at a lower resolution):
 * the output is exactly the size the full image would shrink to, and each output pixel averages
 * the same area of the full image. LL sample k is centred on full-size pixel 2^r k, not on the
 * middle of the 2^r pixels from there (the wavelet low-pass filters are centred on even samples,
 * ISO 15444-1 F.3.8.1 / F.4.8.1), so in LL units the area is shifted by 1/2 - 1/2^(r+1).
 */
export function fitWithin(img: Pixels, edge: number, reduced?: ReducedFrom): Pixels {
  const { width, height, channels, data } = img;
  const from = reduced ?? img;
  const { width: outW, height: outH } = fitSize(from.width, from.height, edge);
  if (!reduced && outW === width && outH === height) return img;
  const k = reduced ? 2 ** reduced.level : 1;
  const offset = reduced ? 0.5 - 0.5 / k : 0;
  const xs = weights(width, outW, from.width / outW / k, offset);
  const ys = weights(height, outH, from.height / outH / k, offset);
  // Rows first into a float buffer, then columns: separable, O(pixels) work.
  const rows = new Float64Array(height * outW * channels);
  for (let y = 0; y < height; y++) {
    for (let ox = 0; ox < outW; ox++) {
      for (let c = 0; c < channels; c++) {
        let acc = 0;
        for (let k = 0; k < xs.count[ox]; k++) acc += data[(y * width + xs.start[ox] + k) * channels + c] * xs.w[ox * xs.stride + k];
        rows[(y * outW + ox) * channels + c] = acc;
      }
    }
  }
  const out = data instanceof Uint16Array ? new Uint16Array(outW * outH * channels) : new Uint8Array(outW * outH * channels);
  const max = data instanceof Uint16Array ? 65535 : 255;
  for (let oy = 0; oy < outH; oy++) {
    for (let ox = 0; ox < outW; ox++) {
      for (let c = 0; c < channels; c++) {
        let acc = 0;
        for (let k = 0; k < ys.count[oy]; k++) acc += rows[((ys.start[oy] + k) * outW + ox) * channels + c] * ys.w[oy * ys.stride + k];
        out[(oy * outW + ox) * channels + c] = Math.min(max, Math.round(acc));
      }
    }
  }
  return { data: out, channels, width: outW, height: outH };
}
