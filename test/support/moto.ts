/**
 * moto_server (the AWS service mock) as a child process, for tests that need a real issuer:
 * its Cognito user pools sign RS256 tokens and serve their JWKS. Suites that use it say
 * "NOT RUN" in their title when it is absent, as the corpus suites do: never a silent pass.
 */
import { describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { delimiter, join } from 'node:path';

function findOnPath(program: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, program);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** moto_server's path ($MOTO_SERVER, else on PATH), or undefined. */
export const motoServerPath: string | undefined = process.env.MOTO_SERVER || findOnPath('moto_server');

export interface Moto {
  /** e.g. http://127.0.0.1:54321 */
  url: string;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((ok) => server.close(() => ok()));
  return port;
}

/** Starts moto_server on a free loopback port and waits until it answers. */
export async function startMoto(path: string = motoServerPath!, timeoutMs = 30_000): Promise<Moto> {
  const port = await freePort();
  const child: ChildProcess = spawn(path, ['-H', '127.0.0.1', '-p', String(port)], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-2000);
  });
  const exited = new Promise<void>((ok) => child.once('exit', () => ok()));
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    }
  };
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`moto_server exited (${child.exitCode}): ${stderr}`);
    try {
      await fetch(`${url}/`, { signal: AbortSignal.timeout(1_000) });
      return { url, stop };
    } catch {
      await new Promise((ok) => setTimeout(ok, 200));
    }
  }
  await stop();
  throw new Error(`moto_server did not answer on ${url} within ${timeoutMs} ms: ${stderr}`);
}

/**
 * One Cognito Identity Provider call through moto's JSON protocol. moto does not check SigV4,
 * but reads the region from the credential scope of the Authorization header, so a dummy one is sent.
 */
export async function cognito<T = Record<string, unknown>>(motoUrl: string, action: string, body: object, region = 'us-east-1'): Promise<T> {
  const res = await fetch(`${motoUrl}/`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-amz-json-1.1',
      'x-amz-target': `AWSCognitoIdentityProviderService.${action}`,
      authorization: `AWS4-HMAC-SHA256 Credential=test/20260101/${region}/cognito-idp/aws4_request, SignedHeaders=host, Signature=0`,
    },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`Cognito ${action}: HTTP ${res.status} ${text.slice(0, 300)}`);
  return JSON.parse(text) as T;
}

/**
 * `describe(title, body)` where moto_server exists; where it does not, one test that says NOT RUN
 * and why (and a warning line), so a run without it is never silently green.
 */
export function describeWithMoto(title: string, body: () => void): void {
  if (motoServerPath === undefined) {
    console.warn(`${title} NOT RUN: moto_server not found on PATH (set MOTO_SERVER)`);
    describe(`${title} (NOT RUN: moto_server not found)`, () => {
      it('NOT RUN: moto_server not found', () => {
        expect(motoServerPath).toBeUndefined();
      });
    });
    return;
  }
  describe(title, body);
}
