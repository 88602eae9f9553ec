/**
 * The bundles replace the credential providers that cannot apply in Lambda
 * (infra/unused-credential-providers.ts). This checks they are gone from every function bundle,
 * and that the S3 client of a bundle still takes Lambda's environment credentials and, without
 * them, ends its chain with the SDK's own error rather than a crash.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CREDENTIAL_PROVIDER_STUBS, esbuildOptions, functionEsbuildOptions } from '../../infra/bundling.js';
import { FUNCTION_ENTRIES, type FunctionName } from '../../lib/http/routes.js';

const work = mkdtempSync(join(tmpdir(), 'dicom-creds-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Packages only the replaced providers import. */
const GONE = [...Object.keys(CREDENTIAL_PROVIDER_STUBS), '@aws-sdk/nested-clients', '@aws-sdk/token-providers', '@aws-sdk/credential-provider-login'];

describe('credential providers in the bundles', () => {
  it('replaces ini, sso, process and web-identity, and keeps env, container and instance metadata', () => {
    expect(Object.keys(CREDENTIAL_PROVIDER_STUBS).sort()).toEqual([
      '@aws-sdk/credential-provider-ini',
      '@aws-sdk/credential-provider-process',
      '@aws-sdk/credential-provider-sso',
      '@aws-sdk/credential-provider-web-identity',
    ]);
  });

  it('no function bundle contains the replaced providers or the clients they pull in', async () => {
    for (const name of Object.keys(FUNCTION_ENTRIES) as FunctionName[]) {
      const r = await build({ ...functionEsbuildOptions(name, join(work, name, 'index.mjs')), metafile: true, write: false, logLevel: 'silent' });
      const inputs = Object.keys(r.metafile.inputs);
      for (const pkg of GONE) expect(inputs.filter((f) => f.includes(`node_modules/${pkg}/`)), `${name}: ${pkg}`).toEqual([]);
      // Still bundled: the chain itself and the providers Lambda can use.
      for (const pkg of ['@aws-sdk/credential-provider-node', '@aws-sdk/credential-provider-env', '@aws-sdk/credential-provider-http', '@smithy/credential-provider-imds']) {
        expect(inputs.some((f) => f.includes(`node_modules/${pkg}/`)), `${name}: ${pkg}`).toBe(true);
      }
      expect(inputs, name).toContain('infra/unused-credential-providers.ts');
    }
  }, 60_000);

  describe('the S3 client of a bundle', () => {
    let probe: string;
    const home = join(work, 'home');

    beforeAll(async () => {
      const outfile = join(work, 'probe', 'index.mjs');
      const { entryPoints: _entry, ...settings } = esbuildOptions('functions/upload.ts', outfile);
      await build({
        ...settings,
        stdin: {
          contents: `
            import { createS3Client } from './lib/storage/s3-storage.js';
            const client = createS3Client({ bucket: 'b', region: 'eu-west-1' });
            try {
              const id = await client.config.credentials();
              process.stdout.write(JSON.stringify({ accessKeyId: id.accessKeyId }));
            } catch (e) {
              process.stdout.write(JSON.stringify({ error: e.name, message: e.message }));
            }`,
          resolveDir: resolve('.'),
          sourcefile: 'probe.ts',
          loader: 'ts',
        },
        logLevel: 'silent',
      });
      probe = outfile;
      // A profile the real fromIni would read: the bundle must not.
      mkdirSync(join(home, '.aws'), { recursive: true });
      writeFileSync(join(home, '.aws', 'credentials'), '[default]\naws_access_key_id = AKIDFROMFILE\naws_secret_access_key = x\n');
    }, 60_000);

    const run = (env: Record<string, string>) =>
      JSON.parse(
        execFileSync(process.execPath, [probe], {
          // No AWS_* from the outer environment; IMDS off so nothing waits on the network.
          env: { PATH: process.env.PATH ?? '', HOME: home, AWS_EC2_METADATA_DISABLED: 'true', ...env },
          encoding: 'utf8',
          timeout: 20_000,
          // Node 20 gets the SDK's "node >= 22 soon" warning on stderr.
          stdio: ['ignore', 'pipe', 'ignore'],
        }),
      ) as { accessKeyId?: string; error?: string; message?: string };

    it('uses the credentials Lambda puts in the environment', () => {
      expect(run({ AWS_ACCESS_KEY_ID: 'AKIDLAMBDA', AWS_SECRET_ACCESS_KEY: 'x', AWS_SESSION_TOKEN: 't' })).toEqual({ accessKeyId: 'AKIDLAMBDA' });
    });

    it('without them, passes over the replaced providers and ends with the chain error', () => {
      expect(run({})).toEqual({ error: 'CredentialsProviderError', message: expect.stringMatching(/Could not load credentials from any providers/) });
    });
  });
});
