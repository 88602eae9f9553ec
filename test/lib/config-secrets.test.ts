/**
 * Secrets by name: SECRET_PARAMETER_NAMES read from SSM Parameter Store with Powertools
 * Parameters at cold start (lib/config.ts initConfig, lib/config-secrets.ts), against moto_server's
 * SSM (NOT RUN where it is absent) and, for the SDK's errors, aws-sdk-client-mock.
 */
import { SSMProvider } from '@aws-lambda-powertools/parameters/ssm';
import { GetParameterCommand, PutParameterCommand, SSMClient, SSMServiceException } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { config, initConfig, resetConfig } from '../../lib/config.js';
import { parameterReader, readParameter } from '../../lib/config-secrets.js';
import { describeWithMoto, startMoto, type Moto } from '../support/moto.js';

const NAMES = ['SECRET_PARAMETER_NAMES', 'AUTH_ISSUER', 'AUTH_AUDIENCE', 'AUTH_JWKS_URL', 'AUTH'] as const;
const saved = Object.fromEntries(NAMES.map((n) => [n, process.env[n]]));
afterEach(() => {
  for (const n of NAMES) {
    if (saved[n] === undefined) delete process.env[n];
    else process.env[n] = saved[n];
  }
  resetConfig();
});

function useNames(...names: string[]): void {
  for (const n of NAMES) delete process.env[n];
  process.env.SECRET_PARAMETER_NAMES = names.join(',');
  resetConfig();
}

async function failure(call: () => Promise<unknown>): Promise<string> {
  const e = await call().then(() => undefined, (thrown: unknown) => thrown);
  expect(e).toBeInstanceOf(Error);
  return (e as Error).message;
}

const mockSsm = () => mockClient(SSMClient);

const TITLE = 'secrets from SSM Parameter Store (moto_server)';
describeWithMoto(TITLE, () => {
  let moto: Moto;
  let clientConfig: ConstructorParameters<typeof SSMClient>[0];

  beforeAll(async () => {
    moto = await startMoto();
    clientConfig = { endpoint: moto.url, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } };
    const ssm = new SSMClient(clientConfig);
    await ssm.send(new PutParameterCommand({ Name: '/dicom/test/AUTH_AUDIENCE', Value: 'client-a, client-b', Type: 'SecureString' }));
    await ssm.send(new PutParameterCommand({ Name: '/dicom/test/AUTH_ISSUER', Value: 'https://idp.example.org/realms/hospital', Type: 'String' }));
    await ssm.send(new PutParameterCommand({ Name: '/dicom/bad/AUTH_ISSUER', Value: 'not-a-url-x-secret', Type: 'SecureString' }));
    ssm.destroy();
  }, 60_000);

  afterAll(async () => {
    await moto?.stop();
  });

  it('reads the named parameters at cold start (a SecureString decrypted) into the settings their last segment names', async () => {
    useNames('/dicom/test/AUTH_AUDIENCE', '/dicom/test/AUTH_ISSUER');
    let reads = 0;
    const read = parameterReader(new SSMProvider({ clientConfig }));
    const cfg = await initConfig(async (name) => {
      reads++;
      return read(name);
    });
    expect(cfg.auth).toMatchObject({ mode: 'jwt', issuer: 'https://idp.example.org/realms/hospital', audiences: ['client-a', 'client-b'] });
    // Once per container: config() and a second initConfig neither read nor validate again.
    expect(config()).toBe(cfg);
    expect(await initConfig(read)).toBe(cfg);
    expect(reads).toBe(2);
  });

  it('fails the cold start naming a missing parameter, and names a bad value\'s setting without the value', async () => {
    useNames('/dicom/test/AUTH_ISSUER', '/dicom/test/AUTH_JWKS_URL');
    const read = parameterReader(new SSMProvider({ clientConfig }));
    expect(await failure(() => initConfig(read))).toMatch(/SSM parameter \/dicom\/test\/AUTH_JWKS_URL \(SECRET_PARAMETER_NAMES\) could not be read \(ParameterNotFoundError|GetParameterError/);
    expect(() => config()).toThrow(/initConfig\(\) must read them/);
    useNames('/dicom/bad/AUTH_ISSUER');
    const message = await failure(() => initConfig(read));
    expect(message).toMatch(/AUTH_ISSUER must be an absolute http\(s\) URL/);
    expect(message).not.toContain('x-secret');
  });
});

describe('secrets from SSM: the SDK\'s errors (aws-sdk-client-mock)', () => {
  // Mocked for this block only: the moto block above uses the real client.
  let ssm: ReturnType<typeof mockSsm>;
  beforeAll(() => {
    ssm = mockSsm();
  });
  afterEach(() => ssm.reset());
  afterAll(() => ssm.restore());

  it('reads through Powertools Parameters with decryption', async () => {
    ssm.on(GetParameterCommand, { Name: '/p/AUTH_AUDIENCE', WithDecryption: true }).resolves({ Parameter: { Name: '/p/AUTH_AUDIENCE', Value: 'app-1' } });
    useNames('/p/AUTH_AUDIENCE');
    process.env.AWS_REGION = 'eu-west-1';
    expect((await initConfig()).auth.audiences).toEqual(['app-1']);
    expect(ssm.commandCalls(GetParameterCommand)).toHaveLength(1);
    expect(await readParameter('/p/AUTH_AUDIENCE')).toBe('app-1'); // cached: no second call
    expect(ssm.commandCalls(GetParameterCommand)).toHaveLength(1);
    delete process.env.AWS_REGION;
  });

  it('fails the cold start with the parameter\'s name and the error\'s class, never a value', async () => {
    const secret = 'x-secret-in-message';
    ssm.on(GetParameterCommand).rejects(new SSMServiceException({ name: 'ParameterNotFound', $fault: 'client', $metadata: {}, message: secret }));
    useNames('/p/AUTH_ISSUER');
    const missing = await failure(() => initConfig());
    expect(missing).toMatch(/SSM parameter \/p\/AUTH_ISSUER \(SECRET_PARAMETER_NAMES\) could not be read \(GetParameterError: ParameterNotFound\)/);
    expect(missing).not.toContain(secret);
    ssm.reset();
    ssm.on(GetParameterCommand).rejects(new SSMServiceException({ name: 'AccessDeniedException', $fault: 'client', $metadata: {}, message: secret }));
    useNames('/p/AUTH_JWKS_URL');
    expect(await failure(() => initConfig())).toMatch(/\/p\/AUTH_JWKS_URL .*AccessDeniedException/);
  });

  it('refuses an empty parameter, a name that supplies no secret setting, and a setting given twice', async () => {
    ssm.on(GetParameterCommand).resolves({ Parameter: { Name: '/p/AUTH_AUDIENCE', Value: '' } });
    useNames('/p/AUTH_AUDIENCE');
    expect(await failure(() => initConfig(async () => ''))).toMatch(/SSM parameter \/p\/AUTH_AUDIENCE .*is missing or empty/);
    useNames('/p/MAX_UPLOAD_BYTES');
    expect(await failure(() => initConfig(async () => '1'))).toMatch(/last segment of each name must be one of AUTH_ISSUER, AUTH_AUDIENCE, AUTH_JWKS_URL/);
    useNames('/p/AUTH_AUDIENCE');
    process.env.AUTH_AUDIENCE = 'from-env';
    expect(await failure(() => initConfig(async () => 'from-ssm'))).toMatch(/AUTH_AUDIENCE is set in the environment and also read from SSM/);
  });
});
