import { describe, expect, it } from 'vitest';
import { rememberVerified } from '../../local/local-authorizer.js';
import type { Claims } from '../../lib/auth/token-verifier.js';

/** A verifier that accepts "Bearer good-*" tokens with the given exp and counts its calls. */
function counting(expSeconds: number) {
  const calls: Array<string | undefined> = [];
  const verify = (h: string | undefined): Promise<Claims> => {
    calls.push(h);
    return h?.startsWith('Bearer good') ? Promise.resolve({ sub: 'alice', exp: expSeconds }) : Promise.reject(Object.assign(new Error('bad'), { code: 'Unauthorized' }));
  };
  return { calls, verify };
}

describe('rememberVerified (the local stand-in for API Gateway verifying outside the function)', () => {
  it('verifies a token once and answers its claims from memory until its exp', async () => {
    let clock = 1_000_000;
    const v = counting(2_000);
    const remembered = rememberVerified(v.verify, () => clock);
    expect(await remembered('Bearer good-1')).toMatchObject({ sub: 'alice' });
    expect(await remembered('Bearer good-1')).toMatchObject({ sub: 'alice' });
    expect(v.calls).toHaveLength(1);
    clock = 2_000_000; // exp reached: verified again, and the verifier decides.
    await remembered('Bearer good-1');
    expect(v.calls).toHaveLength(2);
  });

  it('never answers another value from memory: an altered token is verified (and refused)', async () => {
    const v = counting(2_000);
    const remembered = rememberVerified(v.verify, () => 1_000_000);
    await remembered('Bearer good-1');
    await expect(remembered('Bearer forged-1')).rejects.toMatchObject({ code: 'Unauthorized' });
    await expect(remembered('Bearer forged-1')).rejects.toMatchObject({ code: 'Unauthorized' });
    await expect(remembered(undefined)).rejects.toMatchObject({ code: 'Unauthorized' });
    expect(v.calls).toEqual(['Bearer good-1', 'Bearer forged-1', 'Bearer forged-1', undefined]);
  });

  it('remembers a bounded number of tokens', async () => {
    const v = counting(2_000);
    const remembered = rememberVerified(v.verify, () => 1_000_000);
    for (let i = 0; i < 1001; i++) await remembered(`Bearer good-${i}`);
    await remembered('Bearer good-0'); // the oldest went when the 1001st came
    await remembered('Bearer good-1000');
    expect(v.calls).toHaveLength(1002);
  });
});
