// Request bodies: `data` and `json` turned into what undici sends, with the
// content type aiohttp would set. A body that can be sent twice (a string or
// bytes) is "replayable": redirects 307/308 and the stale-socket retry need it.
import { Readable } from 'node:stream';
import { describe } from '../core/validate.js';

/** What `data` accepts: text, bytes, a form, multipart `FormData`, or a stream of chunks. */
export type RequestData =
  | string
  | Uint8Array
  | URLSearchParams
  | Readonly<Record<string, string | number | boolean | readonly (string | number | boolean)[]>>
  | FormData
  | AsyncIterable<Uint8Array | string>;

/** @internal */
export interface EncodedBody {
  readonly body: string | Uint8Array | AsyncIterable<Uint8Array | string> | null;
  readonly contentType: string | null;
  readonly replayable: boolean;
}

const NO_BODY: EncodedBody = { body: null, contentType: null, replayable: true };

/** @internal */
export function encodeBody(where: string, data: unknown, json: unknown, hasJson: boolean): EncodedBody {
  if (hasJson) {
    if (data !== undefined) throw new TypeError(`${where}: data and json cannot be given together`);
    const text = JSON.stringify(json);
    if (text === undefined) throw new TypeError(`${where}: json must be serialisable by JSON.stringify, got ${describe(json)}`);
    return { body: text, contentType: 'application/json', replayable: true };
  }
  if (data === undefined || data === null) return NO_BODY;
  if (typeof data === 'string') return { body: data, contentType: 'text/plain; charset=utf-8', replayable: true };
  if (data instanceof Uint8Array) return { body: data, contentType: 'application/octet-stream', replayable: true };
  if (data instanceof URLSearchParams) return { body: data.toString(), contentType: 'application/x-www-form-urlencoded', replayable: true };
  if (typeof FormData !== 'undefined' && data instanceof FormData) {
    // The platform's multipart encoder (undici's): it picks the boundary.
    const encoded = new Response(data);
    const stream = encoded.body;
    return {
      body: stream === null ? '' : Readable.fromWeb(stream),
      contentType: encoded.headers.get('content-type'),
      replayable: false,
    };
  }
  if (typeof data === 'object' && Symbol.asyncIterator in data) {
    return { body: data as AsyncIterable<Uint8Array | string>, contentType: null, replayable: false };
  }
  if (typeof data === 'object' && !Array.isArray(data)) {
    const form = new URLSearchParams();
    for (const [k, v] of Object.entries(data as Record<string, unknown>)) {
      for (const x of Array.isArray(v) ? (v as unknown[]) : [v]) {
        if (typeof x !== 'string' && typeof x !== 'number' && typeof x !== 'boolean') throw new TypeError(`${where}: form field ${JSON.stringify(k)} must be a string, number or boolean, got ${describe(x)}`);
        form.append(k, String(x));
      }
    }
    return { body: form.toString(), contentType: 'application/x-www-form-urlencoded', replayable: true };
  }
  throw new TypeError(`${where}: data must be a string, bytes, URLSearchParams, a record, FormData or an async iterable, got ${describe(data)}`);
}
