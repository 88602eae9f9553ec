/**
 * The local service (`startLocal`, embedded S3) in a child process for the HTTP benchmarks
 * (bench/http.ts, bench/compare), so the load client does not share its event loop.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const SERVE = join(dirname(fileURLToPath(import.meta.url)), 'serve-local.ts');

export interface ServiceProcess {
  url: string;
  /** Headers every API request sends: a bearer token of the service's local issuer (none with AUTH=off). */
  headers: Record<string, string>;
  close(): Promise<void>;
}

/** Starts the service with `env` added (e.g. MEMO_TTL_SECONDS) and its data in a new temporary directory. */
export async function startServiceProcess(env: Record<string, string> = {}): Promise<ServiceProcess> {
  const dataDir = mkdtempSync(join(tmpdir(), 'dicom-bench-'));
  const childEnv: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: 'silent', NODE_NO_WARNINGS: '1', ...env };
  // The child must embed its own S3, not talk to one this shell points at.
  delete childEnv.AWS_ENDPOINT_URL_S3;
  delete childEnv.AWS_ENDPOINT_URL;
  delete childEnv.BUCKET_NAME;
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', SERVE, dataDir], { env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => (stderr = (stderr + c.toString('utf8')).slice(-4000)));
  const { url, token } = await new Promise<{ url: string; token?: string }>((ok, fail) => {
    let buf = '';
    child.stdout!.on('data', (c: Buffer) => {
      buf += c.toString('utf8');
      if (buf.includes('\n')) ok(JSON.parse(buf.split('\n')[0]) as { url: string; token?: string });
    });
    child.once('exit', (code) => fail(new Error(`service exited (${code}) before listening: ${stderr}`)));
  });
  return {
    url,
    headers: token ? { authorization: `Bearer ${token}` } : {},
    close: async () => {
      if (child.exitCode === null) {
        const gone = new Promise<void>((ok) => child.once('exit', () => ok()));
        child.kill('SIGTERM');
        await gone;
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
