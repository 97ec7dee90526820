/**
 * What every WebSocket benchmark server shares: where it listens, its paths,
 * and the broadcast payload, so each one serves exactly the same bytes.
 *
 * Every server has:
 * - `GET /`: `ok` (the driver's readiness probe);
 * - `/echo`: a WebSocket that sends each message back, text as text;
 * - `/sub`: a WebSocket that only listens (kept in a set until it closes);
 * - `GET /broadcast`: sends {@link PAYLOAD} to every open `/sub` socket and
 *   answers with how many there were;
 * - `GET /gc`: a full garbage collection (Node run with `--expose-gc`), so
 *   that memory is read without the garbage of 10,000 handshakes.
 * @module
 */

function numberFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0) throw new RangeError(`ws bench server: ${name} must be a number >= 0, got ${JSON.stringify(raw)}`);
  return value;
}

/** Where to listen: always loopback. */
export const HOST = '127.0.0.1';
/** `PORT`, default 3000. */
export const PORT = numberFromEnv('PORT', 3000);
/** `BACKLOG`: 10,000 sockets connect in a burst in the broadcast run. */
export const BACKLOG = numberFromEnv('BACKLOG', 4096);
/** The body of `GET /`. */
export const READY = 'ok';
/** The message `GET /broadcast` sends: 1 KiB of text, as the echo's. */
export const PAYLOAD = 'b'.repeat(1024);

/**
 * The line each server prints once it listens. It also makes SIGTERM a normal
 * exit, so `--cpu-prof` writes its profile (Node's default SIGTERM does not).
 */
export function announce(framework: string): void {
  process.once('SIGTERM', () => process.exit(0));
  console.log(`${framework} listening on ws://${HOST}:${PORT} pid ${process.pid} ${process.version}`);
}

/** A full collection where `--expose-gc` allows it; what `GET /gc` does. */
export function collect(): string {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) return 'no gc';
  gc();
  return 'ok';
}
