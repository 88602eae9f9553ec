/**
 * The S3 mock every handler test shares (aws-sdk-client-mock): one mocked S3Client for the
 * file, fake credentials and bucket, reset after each test, and the SDK's error and body shapes.
 */
import { S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeAll } from 'vitest';
import { resetConfig } from '../../lib/config.js';

export function useS3Mock() {
  const s3 = mockClient(S3Client);
  beforeAll(() => {
    process.env.AWS_ACCESS_KEY_ID = 'test';
    process.env.AWS_SECRET_ACCESS_KEY = 'test';
    process.env.BUCKET_NAME = 'unit-bucket';
    // The handler's cold start validated the environment before this hook changed it.
    resetConfig();
  });
  afterEach(() => s3.reset());
  return s3;
}

/** An error as the SDK throws it for an S3 status (404 NotFound, 503 SlowDown...). */
export const s3Error = (name: string, status: number) =>
  new S3ServiceException({ name, $fault: status >= 500 ? 'server' : 'client', $metadata: { httpStatusCode: status } });

/** The part of the SDK's streaming body the storage reads. */
export const s3Body = (bytes: Uint8Array) => ({ transformToByteArray: async () => bytes });
