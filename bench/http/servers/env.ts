/**
 * What every benchmark server shares: its settings from the environment and
 * the two bodies, so each framework serves exactly the same bytes.
 * @module
 */

function numberFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0) throw new RangeError(`bench server: ${name} must be a number >= 0, got ${JSON.stringify(raw)}`);
  return value;
}

/** Where to listen: always loopback. */
export const HOST = '127.0.0.1';
/** `PORT`, default 3000. */
export const PORT = numberFromEnv('PORT', 3000);
/** `SLEEP` in seconds: 0 for scenario A, 0.5 for scenario B (the seed's). */
export const SLEEP = numberFromEnv('SLEEP', 0);
/** The same sleep in milliseconds, for the peers' `setTimeout` promises. */
export const SLEEP_MS = Math.round(SLEEP * 1000);
/**
 * `BACKLOG`, the listen queue, the same for every framework (Node's default is
 * 511): 10,000 connections arrive in one burst in scenario B.
 */
export const BACKLOG = numberFromEnv('BACKLOG', 511);

/** Body of `GET /`, as the seed's `index`. */
export const INDEX = '<h1>Index</h1>';
/** Content type of both routes, as aiohttp's `content_type='text/html'` sends it. */
export const CONTENT_TYPE = 'text/html; charset=utf-8';

/** Body of `GET /hello/{name}`, as the seed's `hello`. */
export function hello(name: string): string {
  return `<h1>hello, ${name}!</h1>`;
}

/**
 * The line each peer prints once it listens. It also makes SIGTERM a normal
 * exit, so `--cpu-prof` writes its profile (Node's default SIGTERM does not).
 */
export function announce(framework: string): void {
  process.once('SIGTERM', () => process.exit(0));
  console.log(`${framework} listening on http://${HOST}:${PORT} (SLEEP=${SLEEP}s) pid ${process.pid} ${process.version}`);
}
