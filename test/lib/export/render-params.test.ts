import { describe, expect, it } from 'vitest';
import { DomainError } from '../../../lib/errors.js';
import { RENDER_VERSION, parseRenderParams, renderVariant } from '../../../lib/export/render-params.js';

const q = (s: string) => {
  const m = new Map<string, string[]>();
  for (const [k, v] of new URLSearchParams(s)) m.set(k, [...(m.get(k) ?? []), v]);
  return m;
};

function code(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    return e instanceof DomainError ? `${e.status} ${e.code}` : 'not a DomainError';
  }
  return undefined;
}

describe('parseRenderParams', () => {
  it('defaults to frame 1, 8-bit, the file window', () => {
    expect(parseRenderParams(q(''))).toEqual({ frame: 1, window: undefined, bitDepth: 8 });
  });

  it('reads frame, bitDepth and a window with its function', () => {
    expect(parseRenderParams(q('frame=3&bitDepth=16&window=-600,1500,sigmoid'))).toEqual({
      frame: 3,
      bitDepth: 16,
      window: { center: -600, width: 1500, fn: 'sigmoid' },
    });
    expect(parseRenderParams(q('window=40.5,400')).window).toEqual({ center: 40.5, width: 400, fn: 'linear' });
    expect(parseRenderParams(q('window=0,0.5,linear-exact')).window).toMatchObject({ width: 0.5 });
  });

  it('reads window=none (with bitDepth=16 only) and voi=<n> (1-based, not with window)', () => {
    expect(parseRenderParams(q('window=none&bitDepth=16'))).toEqual({ frame: 1, window: 'none', bitDepth: 16 });
    expect(parseRenderParams(q('window=NONE&bitDepth=16')).window).toBe('none');
    expect(parseRenderParams(q('voi=2'))).toEqual({ frame: 1, voi: 2, bitDepth: 8 });
    for (const bad of ['window=none', 'window=none&bitDepth=8', 'voi=0', 'voi=-1', 'voi=1.5', 'voi=x', 'voi=', 'voi=1&window=40,400', 'voi=1&voi=2', 'voi=99999']) {
      try {
        parseRenderParams(q(bad));
        expect.unreachable(bad);
      } catch (e) {
        expect(e, bad).toBeInstanceOf(DomainError);
        expect((e as DomainError).status, bad).toBe(400);
      }
    }
  });

  it.each([
    'frame=0',
    'frame=-1',
    'frame=1.5',
    'frame=abc',
    'frame=99999999999',
    'bitDepth=12',
    'window=40',
    'window=40,400,cubic',
    'window=NaN,400',
    'window=40,Infinity',
    'window=1e400,1',
    'window=40,0.5',
    'window=40,0,sigmoid',
    'window=,',
    'frame=1&frame=2',
    'colour=red',
    '%3Cscript%3E=1',
  ])('rejects %s with 400 InvalidParameter', (s) => {
    expect(code(() => parseRenderParams(q(s)))).toBe('400 InvalidParameter');
  });

  it('does not echo hostile parameter names', () => {
    try {
      parseRenderParams(q('%3Cscript%3Ealert(1)%3C%2Fscript%3E=1'));
      expect.unreachable();
    } catch (e) {
      expect((e as Error).message).not.toContain('<script>');
    }
  });
});

describe('renderVariant', () => {
  it('is the same for equal requests written differently', () => {
    const a = renderVariant(parseRenderParams(q('window=40.0,400')));
    const b = renderVariant(parseRenderParams(q('window=40,400.00,LINEAR&frame=1&bitDepth=8')));
    expect(a).toBe(b);
  });

  it('differs when any parameter differs', () => {
    const variants = ['', 'frame=2', 'bitDepth=16', 'window=40,400', 'window=40,401', 'window=40,400,sigmoid', 'voi=1', 'voi=2', 'window=none&bitDepth=16'].map((s) =>
      renderVariant(parseRenderParams(q(s))),
    );
    expect(new Set(variants).size).toBe(variants.length);
  });

  it('names the pipeline version, so PNGs cached by an older pipeline are not served', () => {
    expect(renderVariant(parseRenderParams(q('')))).toBe(`v${RENDER_VERSION}-f1-b8-wfile`);
    expect(RENDER_VERSION).toBeGreaterThanOrEqual(2);
  });

  it('only uses characters safe in an S3 key', () => {
    expect(renderVariant(parseRenderParams(q('window=-1e5,2.5e-1,linear-exact')))).toMatch(/^[A-Za-z0-9._+-]+$/);
  });
});

describe('size (thumbnails)', () => {
  it('accepts a longer edge from 16 to 2048 and keys it separately', () => {
    const q = (s: string) => new Map([...new URLSearchParams(s)].map(([k, v]) => [k, [v]]));
    expect(parseRenderParams(q('size=256')).size).toBe(256);
    expect(renderVariant(parseRenderParams(q('size=256')))).toMatch(/-s256$/);
    expect(renderVariant(parseRenderParams(q('')))).not.toMatch(/-s/);
    for (const bad of ['size=15', 'size=2049', 'size=abc', 'size=1.5', 'size=-1']) {
      expect(() => parseRenderParams(q(bad)), bad).toThrow(/size/);
    }
  });
});

describe('overlays', () => {
  it('burns overlays in by default: no field, and overlays=true shares the default key', () => {
    expect(parseRenderParams(q('')).overlays).toBeUndefined();
    expect(parseRenderParams(q('overlays=true'))).toEqual(parseRenderParams(q('')));
    expect(renderVariant(parseRenderParams(q('overlays=true')))).toBe(renderVariant(parseRenderParams(q(''))));
  });

  it('overlays=false has its own cache key, with and without a thumbnail size', () => {
    expect(parseRenderParams(q('overlays=false'))).toEqual({ frame: 1, bitDepth: 8, overlays: false });
    expect(renderVariant(parseRenderParams(q('overlays=false')))).toBe(`v${RENDER_VERSION}-f1-b8-wfile-novl`);
    expect(renderVariant(parseRenderParams(q('size=256&overlays=false')))).toBe(`v${RENDER_VERSION}-f1-b8-wfile-s256-novl`);
  });

  it('window=none never draws overlays, so overlays=false does not split its key', () => {
    expect(renderVariant(parseRenderParams(q('window=none&bitDepth=16&overlays=false')))).toBe(renderVariant(parseRenderParams(q('window=none&bitDepth=16'))));
  });

  it('changed the pipeline version: PNGs cached before lack the overlays burned in now', () => {
    expect(RENDER_VERSION).toBeGreaterThanOrEqual(3);
  });

  it('refuses anything but true or false, and a repeat', () => {
    for (const bad of ['overlays=0', 'overlays=no', 'overlays=', 'overlays=FALSE', 'overlays=false&overlays=false']) {
      expect(code(() => parseRenderParams(q(bad))), bad).toBe('400 InvalidParameter');
    }
  });
});
