/**
 * Realistic generated images for the benchmarks (no corpus needed): what a CT, a DX, an
 * ultrasound and a multi-frame study store, with smooth anatomy-like content plus noise so
 * PNG compression behaves as on real images.
 */
import { makeImageDicom } from '../test/support/dicom-writer.js';

export interface BenchImage {
  name: string;
  bytes: Uint8Array;
  frames: number;
}

function noiseSource(seed: number) {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    return s / 0x7fffffff - 0.5;
  };
}

/** A body-like ellipse with a bone ring and a lung-like hole, in [0, 1]. */
function anatomy(u: number, v: number, n: () => number): number {
  const body = (u * u) / 0.8 + (v * v) / 0.6;
  if (body >= 1) return 0;
  let t = 0.45 + 0.1 * Math.sin(6 * u) * Math.cos(4 * v);
  if (body > 0.85) t = 0.9;
  if ((u + 0.3) ** 2 + v * v < 0.05) t = 0.05;
  return Math.min(1, Math.max(0, t + n() * 0.03));
}

/**
 * rows x columns stored values of the anatomy scaled to [0, max], row by row (the noise is drawn
 * in that order, as makeImageDicom asks for pixels): the generated CT and DX, and the same pixels
 * for the compressed fixtures (bench/htj2k-fixture.ts).
 */
export function anatomyValues(rows: number, columns: number, max: number, seed: number): Uint16Array {
  const n = noiseSource(seed);
  const out = new Uint16Array(rows * columns);
  for (let r = 0; r < rows; r++) for (let c = 0; c < columns; c++) out[r * columns + c] = Math.round(anatomy(c / (columns / 2) - 1, r / (rows / 2) - 1, n) * max);
  return out;
}

/** The CT 512's stored values: air is -1024 HU (stored 0 after the intercept), bone about +1000 HU. */
export const ct512Values = (): Uint16Array => anatomyValues(512, 512, 2100, 1);

export function ct512(): BenchImage {
  const values = ct512Values();
  const bytes = makeImageDicom({
    rows: 512,
    columns: 512,
    bitsAllocated: 16,
    bitsStored: 16,
    pixelRepresentation: 1,
    rescale: { slope: 1, intercept: -1024 },
    window: { center: 40, width: 400 },
    pixel: (_f, r, c) => values[r * 512 + c],
  });
  return { name: 'CT 512x512 16-bit signed, window', bytes, frames: 1 };
}

export function dx2048(): BenchImage {
  const values = anatomyValues(2048, 2048, 16383, 2);
  const bytes = makeImageDicom({
    rows: 2048,
    columns: 2048,
    bitsAllocated: 16,
    bitsStored: 14,
    photometric: 'MONOCHROME1',
    window: { center: 8192, width: 12000 },
    pixel: (_f, r, c) => values[r * 2048 + c],
  });
  return { name: 'DX 2048x2048 14-bit MONOCHROME1', bytes, frames: 1 };
}

export function usRgb(): BenchImage {
  const n = noiseSource(3);
  const bytes = makeImageDicom({
    rows: 480,
    columns: 640,
    bitsAllocated: 8,
    photometric: 'RGB',
    samplesPerPixel: 3,
    pixel: (_f, r, c, s) => Math.round(anatomy(c / 320 - 1, r / 240 - 1, n) * (s === 0 ? 255 : 200)),
  });
  return { name: 'US 640x480 RGB', bytes, frames: 1 };
}

export function multiFrame(): BenchImage {
  const n = noiseSource(4);
  const bytes = makeImageDicom({
    rows: 512,
    columns: 512,
    bitsAllocated: 16,
    bitsStored: 12,
    frames: 20,
    window: { center: 2048, width: 4096 },
    pixel: (f, r, c) => Math.round(anatomy(c / 256 - 1 + f * 0.01, r / 256 - 1, n) * 4095),
  });
  return { name: 'MR 20 frames 512x512 12-bit', bytes, frames: 20 };
}

export const allBenchImages = (): BenchImage[] => [ct512(), dx2048(), usRgb(), multiFrame()];
