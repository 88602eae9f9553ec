/**
 * A private Orthanc for the comparison: /usr/sbin/Orthanc (Debian's orthanc 1.10.1) started
 * with a generated configuration in its own temporary directory (storage + index), the HTTP
 * server on a free loopback port, the DICOM server off, no plugins, no authentication, and
 * stopped (by its pid) and deleted afterwards. It never uses 8042/4242 or /etc/orthanc.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, openSync, closeSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { makeClient } from './load.js';

export const ORTHANC_BIN = process.env.ORTHANC_BIN ?? '/usr/sbin/Orthanc';

export function orthancVersion(): string | undefined {
  if (!existsSync(ORTHANC_BIN)) return undefined;
  const r = spawnSync(ORTHANC_BIN, ['--version'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.split('\n')[0].trim() : undefined;
}

/** A port the kernel just gave us on loopback (closed again before Orthanc binds it). */
export function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const srv = createServer();
    srv.on('error', fail);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => ok(port));
    });
  });
}

export interface Orthanc {
  url: string;
  version: string;
  config: Record<string, unknown>;
  upload(bytes: Uint8Array): Promise<string>;
  remove(id: string): Promise<void>;
  close(): Promise<void>;
}

export async function startOrthanc(dir: string): Promise<Orthanc> {
  const storage = join(dir, 'storage');
  mkdirSync(storage, { recursive: true });
  const port = await freePort();
  const config = {
    Name: 'dicom-service-bench',
    StorageDirectory: storage,
    IndexDirectory: storage,
    HttpPort: port,
    DicomServerEnabled: false,
    DicomPort: 0,
    RemoteAccessAllowed: false,
    AuthenticationEnabled: false,
    Plugins: [],
    KeepAlive: true,
    // Neither server compresses here: the client sends no Accept-Encoding anyway.
    HttpCompressionEnabled: false,
    StorageCompression: false,
  };
  const configPath = join(dir, 'orthanc.json');
  writeFileSync(configPath, JSON.stringify(config, null, 2));
  const logPath = join(dir, 'orthanc.log');
  const logFd = openSync(logPath, 'w');
  const child: ChildProcess = spawn(ORTHANC_BIN, [configPath], { stdio: ['ignore', logFd, logFd], cwd: dir });
  closeSync(logFd);
  const url = `http://127.0.0.1:${port}`;
  const client = makeClient(1);
  let exited = false;
  child.on('exit', () => (exited = true));

  const stop = async () => {
    client.close();
    if (!exited && child.pid !== undefined) {
      const gone = new Promise<void>((ok) => child.once('exit', () => ok()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await gone;
      clearTimeout(timer);
    }
  };

  let version = '';
  for (let i = 0; ; i++) {
    if (exited) throw new Error(`Orthanc exited at start-up; see its log:\n${readFileSync(logPath, 'utf8').slice(-2000)}`);
    try {
      const res = await client.get(`${url}/system`);
      if (res.status === 200) {
        version = (JSON.parse(res.body.toString('utf8')) as { Version: string }).Version;
        break;
      }
    } catch {
      // not listening yet
    }
    if (i > 300) {
      await stop();
      throw new Error('Orthanc did not answer /system within 30 s');
    }
    await new Promise((r) => setTimeout(r, 100));
  }

  return {
    url,
    version,
    config,
    async upload(bytes) {
      const res = await fetch(`${url}/instances`, { method: 'POST', body: Buffer.from(bytes), headers: { 'content-type': 'application/dicom' } });
      const body = (await res.json()) as { ID?: string; Status?: string };
      if (res.status !== 200 || !body.ID) throw new Error(`Orthanc upload failed: ${res.status} ${JSON.stringify(body)}`);
      if (body.Status !== 'Success') throw new Error(`Orthanc upload: ${body.Status} (the fixtures share their UIDs: delete before the next upload)`);
      return body.ID;
    },
    async remove(id) {
      const res = await fetch(`${url}/instances/${id}`, { method: 'DELETE' });
      await res.arrayBuffer();
      if (res.status !== 200) throw new Error(`Orthanc delete failed: ${res.status}`);
    },
    async close() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
