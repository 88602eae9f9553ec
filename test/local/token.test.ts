import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { createTokenVerifier } from '../../lib/auth/token-verifier.js';
import { LOCAL_AUDIENCE, LOCAL_TENANT_CLAIM, loadLocalAuth } from '../../local/local-auth.js';
import { tokenCommand } from '../../local/token.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const dataDir = mkdtempSync(join(tmpdir(), 'token-cli-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

const env = (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({ LOCAL_DATA_DIR: dataDir, PORT: '3456', ...extra });
const JWT_LINE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\n$/;

async function verify(token: string) {
  const auth = await loadLocalAuth({ dataDir, port: 3456 });
  return createTokenVerifier({ issuer: auth.issuer, audiences: [LOCAL_AUDIENCE], jwks: auth.keySet }).verify(`Bearer ${token.trim()}`);
}

describe('tokenCommand', () => {
  it('prints only a token of the local issuer (LOCAL_DATA_DIR, PORT) for the name', async () => {
    const r = await tokenCommand(['alice'], env());
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(r.stdout).toMatch(JWT_LINE);
    const claims = await verify(r.stdout);
    expect(claims).toMatchObject({ sub: 'alice', iss: 'http://127.0.0.1:3456/auth' });
    expect(claims.exp! - claims.iat!).toBe(3600);
  });

  it('--tenant sets custom:tenant (with a note on stderr unless TENANT_CLAIM selects it); --ttl the lifetime', async () => {
    const noted = await tokenCommand(['alice', '--tenant', 'st-mary', '--ttl', '60'], env());
    expect(noted.code).toBe(0);
    expect(noted.stdout).toMatch(JWT_LINE);
    expect(noted.stderr).toMatch(/TENANT_CLAIM=custom:tenant/);
    const claims = await verify(noted.stdout);
    expect(claims[LOCAL_TENANT_CLAIM]).toBe('st-mary');
    expect(claims.exp! - claims.iat!).toBe(60);

    const quiet = await tokenCommand(['--tenant', 'st-mary', 'bob'], env({ TENANT_CLAIM: LOCAL_TENANT_CLAIM }));
    expect(quiet).toMatchObject({ code: 0, stderr: '' });
    expect(await verify(quiet.stdout)).toMatchObject({ sub: 'bob', [LOCAL_TENANT_CLAIM]: 'st-mary' });
  });

  it('exits 2 with usage on stderr and nothing on stdout for bad arguments or settings', async () => {
    const bad: Array<[string[], NodeJS.ProcessEnv]> = [
      [[], env()],
      [[''], env()],
      [['alice', 'bob'], env()],
      [['alice', '--tenant'], env()],
      [['alice', '--tenant', ''], env()],
      [['alice', '--ttl', 'soon'], env()],
      [['alice', '--ttl', '0'], env()],
      [['alice', '--ttl', '99999999'], env()],
      [['alice', '--admin'], env()],
      [['alice'], env({ PORT: 'http' })],
    ];
    for (const [argv, e] of bad) {
      const r = await tokenCommand(argv, e);
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.stdout, argv.join(' ')).toBe('');
      expect(r.stderr, argv.join(' ')).toMatch(/^token: /);
    }
    expect(await tokenCommand(['--help'], env())).toMatchObject({ code: 0, stdout: '' });
  });
});

describe('npm run --silent token', () => {
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

  it('prints only the token on stdout', () => {
    const r = spawnSync(npm, ['run', '--silent', 'token', '--', 'carol', '--tenant', 'st-mary'], {
      cwd: repoRoot,
      env: { ...process.env, ...env({ TENANT_CLAIM: LOCAL_TENANT_CLAIM }) },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(JWT_LINE);
    return verify(r.stdout).then((claims) => expect(claims).toMatchObject({ sub: 'carol', [LOCAL_TENANT_CLAIM]: 'st-mary' }));
  });

  it('exits 2 with nothing on stdout without a name', () => {
    const r = spawnSync(npm, ['run', '--silent', 'token'], { cwd: repoRoot, env: { ...process.env, ...env() }, encoding: 'utf8', timeout: 60_000 });
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/a name is required/);
  });
});
