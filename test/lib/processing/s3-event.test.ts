import { describe, expect, it } from 'vitest';
import { MalformedEventError, uploadEventsOf, uploadOfKey } from '../../../lib/processing/s3-event.js';
/** A tenant segment (lib/auth/tenant.ts format): every key of a file carries one. */
const T = 't0123456789abcdef0123456789abcdef';

const ID = '6f1c4a52-3b8e-4d5f-9a7b-2c1d0e9f8a7b';
const record = (key: string, eventName = 'ObjectCreated:Put', eTag = '"abc"') => ({
  eventName,
  s3: { bucket: { name: 'b' }, object: { key, size: 10, eTag } },
});

describe('uploadEventsOf', () => {
  it('gives the uploads of ObjectCreated records, with the id from the key', () => {
    const body = JSON.stringify({ Records: [record(`uploads/${T}/${ID}.dcm`), record(`uploads/${T}/${ID}.dcm`, 'ObjectCreated:Copy')] });
    expect(uploadEventsOf(body)).toEqual([
      { tenant: T, id: ID, bucket: 'b', key: `uploads/${T}/${ID}.dcm`, etag: 'abc' },
      { tenant: T, id: ID, bucket: 'b', key: `uploads/${T}/${ID}.dcm`, etag: 'abc' },
    ]);
  });

  it('leaves out other keys and other events', () => {
    const body = JSON.stringify({
      Records: [
        record(`uploads/${T}/${ID}.summary.json`),
        record(`uploads/${T}/${ID}.json`),
        record(`quarantine/${T}/${ID}.dcm`),
        record(`renders/${T}/sha256/${'a'.repeat(64)}/v1.png`),
        record(`uploads/../${ID}.dcm`),
        record(`uploads/${ID}.dcm`), // no tenant segment
        record(`uploads/tenant-of-alice/${ID}.dcm`), // a raw value where the segment belongs
        record(`uploads/${T}/../${ID}.dcm`),
        record(`uploads/${T}/${ID}.dcm`, 'ObjectRemoved:Delete'),
      ],
    });
    expect(uploadEventsOf(body)).toEqual([]);
  });

  it('URL-decodes keys as S3 encodes them', () => {
    expect(uploadEventsOf(JSON.stringify({ Records: [record(`uploads%2F${T}%2F${ID}.dcm`)] }))[0]?.id).toBe(ID);
  });

  it('acknowledges the test event S3 sends when the notification is configured', () => {
    expect(uploadEventsOf(JSON.stringify({ Service: 'Amazon S3', Event: 's3:TestEvent', Bucket: 'b' }))).toEqual([]);
  });

  it.each(['not json', '42', '{}', JSON.stringify({ Records: [{ eventName: 'ObjectCreated:Put', s3: {} }] })])(
    'throws MalformedEventError for %s',
    (body) => {
      expect(() => uploadEventsOf(body)).toThrow(MalformedEventError);
    },
  );

  it('knows upload keys from every other key', () => {
    expect(uploadOfKey(`uploads/${T}/${ID}.dcm`)).toEqual({ tenant: T, id: ID });
    expect(uploadOfKey(`uploads/${T}/${ID.toUpperCase()}.dcm`)).toBeUndefined();
    expect(uploadOfKey(`uploads/${T}/${ID}.dcm.dcm`)).toBeUndefined();
  });
});
