import { describe, expect, it } from 'vitest';
import { MalformedEventError, uploadEventsOf, uploadIdOfKey } from '../../../lib/processing/s3-event.js';

const ID = '6f1c4a52-3b8e-4d5f-9a7b-2c1d0e9f8a7b';
const record = (key: string, eventName = 'ObjectCreated:Put', eTag = '"abc"') => ({
  eventName,
  s3: { bucket: { name: 'b' }, object: { key, size: 10, eTag } },
});

describe('uploadEventsOf', () => {
  it('gives the uploads of ObjectCreated records, with the id from the key', () => {
    const body = JSON.stringify({ Records: [record(`uploads/${ID}.dcm`), record(`uploads/${ID}.dcm`, 'ObjectCreated:Copy')] });
    expect(uploadEventsOf(body)).toEqual([
      { id: ID, bucket: 'b', key: `uploads/${ID}.dcm`, etag: 'abc' },
      { id: ID, bucket: 'b', key: `uploads/${ID}.dcm`, etag: 'abc' },
    ]);
  });

  it('leaves out other keys and other events', () => {
    const body = JSON.stringify({
      Records: [
        record(`uploads/${ID}.summary.json`),
        record(`uploads/${ID}.json`),
        record(`quarantine/${ID}.dcm`),
        record(`renders/sha256/${'a'.repeat(64)}/v1.png`),
        record(`uploads/../${ID}.dcm`),
        record(`uploads/${ID}.dcm`, 'ObjectRemoved:Delete'),
      ],
    });
    expect(uploadEventsOf(body)).toEqual([]);
  });

  it('URL-decodes keys as S3 encodes them', () => {
    expect(uploadEventsOf(JSON.stringify({ Records: [record(`uploads%2F${ID}.dcm`)] }))[0]?.id).toBe(ID);
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
    expect(uploadIdOfKey(`uploads/${ID}.dcm`)).toBe(ID);
    expect(uploadIdOfKey(`uploads/${ID.toUpperCase()}.dcm`)).toBeUndefined();
    expect(uploadIdOfKey(`uploads/${ID}.dcm.dcm`)).toBeUndefined();
  });
});
