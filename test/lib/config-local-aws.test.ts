/** lib/config.ts, the block of issue 13: the AWS endpoints, the upload queue and LOCAL_PROVISION. */
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../lib/config.js';

const NAMES = ['AWS_ENDPOINT_URL', 'AWS_ENDPOINT_URL_S3', 'AWS_ENDPOINT_URL_SQS', 'UPLOAD_QUEUE_URL', 'LOCAL_PROVISION'] as const;
const saved = Object.fromEntries(NAMES.map((n) => [n, process.env[n]]));
const clear = () => NAMES.forEach((n) => delete process.env[n]);

afterEach(() => {
  for (const n of NAMES) {
    if (saved[n] === undefined) delete process.env[n];
    else process.env[n] = saved[n];
  }
});

describe('loadConfig: AWS emulators and local provisioning', () => {
  it('defaults to AWS itself, no queue, no provisioning', () => {
    clear();
    const cfg = loadConfig();
    expect(cfg.s3Endpoint).toBeUndefined();
    expect(cfg.localAws).toEqual({ sqsEndpoint: undefined, uploadQueueUrl: undefined, provision: false });
  });

  it('takes AWS_ENDPOINT_URL for every service, and the per-service variables before it', () => {
    clear();
    process.env.AWS_ENDPOINT_URL = 'http://localhost:4566';
    expect(loadConfig()).toMatchObject({ s3Endpoint: 'http://localhost:4566', localAws: { sqsEndpoint: 'http://localhost:4566' } });
    process.env.AWS_ENDPOINT_URL_S3 = 'http://localhost:9000';
    process.env.AWS_ENDPOINT_URL_SQS = 'http://localhost:9324';
    expect(loadConfig()).toMatchObject({ s3Endpoint: 'http://localhost:9000', localAws: { sqsEndpoint: 'http://localhost:9324' } });
  });

  it('reads UPLOAD_QUEUE_URL and LOCAL_PROVISION, and refuses what they cannot be', () => {
    clear();
    process.env.UPLOAD_QUEUE_URL = 'http://localhost:4566/000000000000/uploads';
    process.env.LOCAL_PROVISION = '1';
    expect(loadConfig().localAws).toMatchObject({ uploadQueueUrl: 'http://localhost:4566/000000000000/uploads', provision: true });
    process.env.LOCAL_PROVISION = '0';
    expect(loadConfig().localAws.provision).toBe(false);
    process.env.LOCAL_PROVISION = 'yes';
    expect(() => loadConfig()).toThrow(/LOCAL_PROVISION/);
    process.env.LOCAL_PROVISION = '';
    process.env.UPLOAD_QUEUE_URL = 'uploads';
    expect(() => loadConfig()).toThrow(/UPLOAD_QUEUE_URL/);
    process.env.UPLOAD_QUEUE_URL = '';
    process.env.AWS_ENDPOINT_URL_SQS = 'ftp://x';
    expect(() => loadConfig()).toThrow(/AWS_ENDPOINT_URL_SQS/);
  });
});
