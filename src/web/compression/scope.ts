// The compression an app-wide middleware asked for, kept per response in
// flight: a StreamResponse prepared inside the handler reads it, so the
// middleware covers bodies streamed before it sees the response.
import type { ServerResponse } from 'node:http';
import type { CompressionConfig } from './negotiate.js';

const scopes = new WeakMap<ServerResponse, CompressionConfig>();

/** @internal Compress what is sent on `res` as `config` says (unless a response says otherwise). */
export function setCompressionOf(res: ServerResponse, config: CompressionConfig): void {
  scopes.set(res, config);
}

/** @internal What a middleware asked for on `res`, or null. */
export function compressionOf(res: ServerResponse): CompressionConfig | null {
  return scopes.get(res) ?? null;
}
