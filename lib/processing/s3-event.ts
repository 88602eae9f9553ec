/**
 * S3 event notifications as they reach the processor: an SQS message whose body is the S3
 * event JSON ({"Records":[{eventName, s3:{bucket:{name}, object:{key, size, eTag}}}]}).
 * S3 also sends one `{"Event":"s3:TestEvent"}` message when the notification is configured.
 */
import { isTenantSegment } from '../auth/tenant.js';
import { parseUploadKey } from '../storage/object-keys.js';

export interface UploadEvent {
  /** The tenant segment of the key (checked by parseUploadKey: isTenantSegment's format). */
  tenant: string;
  id: string;
  bucket: string;
  key: string;
  /** The object's ETag when the event names one (without quotes). */
  etag?: string;
}

/** The malformed message can never succeed: the caller reports it, and it ends in the DLQ. */
export class MalformedEventError extends Error {
  constructor(reason: string) {
    super(`Malformed S3 event message: ${reason}`);
    this.name = 'MalformedEventError';
  }
}

/** S3 URL-encodes keys in events, with '+' for spaces. */
function decodeKey(raw: string): string {
  try {
    return decodeURIComponent(raw.replace(/\+/g, ' '));
  } catch {
    return raw;
  }
}

/**
 * The tenant and upload id of a key, or undefined for any other key (summaries, requests,
 * renders, a key without a valid tenant segment): the keys the processor handles are parsed by
 * lib/storage/object-keys.ts, which builds them.
 */
export const uploadOfKey = parseUploadKey;

/** What an S3 event record may hold, every field unchecked until read (JSON from the queue). */
interface S3EventRecord {
  eventName?: unknown;
  s3?: { object?: { key?: unknown; eTag?: unknown }; bucket?: { name?: unknown } };
}

/**
 * The uploads an SQS message body announces. Other keys and other event types are left out
 * (an empty list); a body that is not an S3 event at all throws MalformedEventError.
 */
export function uploadEventsOf(body: string): UploadEvent[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw new MalformedEventError('the body is not JSON');
  }
  if (!parsed || typeof parsed !== 'object') throw new MalformedEventError('the body is not an object');
  const message = parsed as { Event?: unknown; Records?: unknown };
  if (message.Event === 's3:TestEvent') return [];
  if (!Array.isArray(message.Records)) throw new MalformedEventError('no Records');
  const out: UploadEvent[] = [];
  for (const record of message.Records as (S3EventRecord | null)[]) {
    if (typeof record?.eventName !== 'string' || !record.eventName.startsWith('ObjectCreated:')) continue;
    const rawKey = record.s3?.object?.key;
    const bucket = record.s3?.bucket?.name;
    if (typeof rawKey !== 'string' || typeof bucket !== 'string') throw new MalformedEventError('a record without bucket or key');
    const key = decodeKey(rawKey);
    const ref = uploadOfKey(key);
    if (!ref || !isTenantSegment(ref.tenant)) continue;
    const etag = typeof record.s3?.object?.eTag === 'string' ? record.s3.object.eTag.replace(/"/g, '') : undefined;
    out.push({ tenant: ref.tenant, id: ref.id, bucket, key, etag });
  }
  return out;
}
