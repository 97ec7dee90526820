// A raw HTTP/1.1 client for the fuzz properties: sends bytes in the pieces
// given, each in its own TCP write (Nagle off, an event-loop turn or a timer
// between writes so that the server can read them apart), and collects what
// comes back until the server closes.
import { connect, type Socket } from 'node:net';
import { once } from 'node:events';
import { setImmediate as immediate, setTimeout as delay } from 'node:timers/promises';

export type Pause = 'none' | 'immediate' | 'timer';

export interface Exchange {
  /** Everything the server sent. */
  readonly response: Buffer;
  /** How the connection ended: the server closed it (FIN), or reset it. */
  readonly end: 'closed' | 'reset' | 'timeout';
}

/** Sends `pieces` with `pauses[i]` after piece i (then half-closes if asked), and waits (at most `deadline` seconds) for the server to close. */
export async function exchange(port: number, pieces: readonly Uint8Array[], pauses: readonly Pause[], deadline = 10, halfClose = false): Promise<Exchange> {
  const socket: Socket = connect({ host: '127.0.0.1', port, noDelay: true });
  const chunks: Buffer[] = [];
  let end: Exchange['end'] = 'closed';
  socket.on('data', (d: Buffer) => chunks.push(d));
  socket.on('error', () => {
    end = 'reset';
  });
  // Not events.once: it rejects on 'error', and a reset while the pieces are
  // still being written would leave that rejection unhandled.
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  await once(socket, 'connect');
  for (let i = 0; i < pieces.length; i++) {
    if (socket.destroyed) break;
    socket.write(pieces[i] as Uint8Array);
    const p = pauses[i % Math.max(1, pauses.length)] ?? 'none';
    if (p === 'immediate') await immediate();
    else if (p === 'timer') await delay(1);
  }
  // A half-close tells a keep-alive server that nothing more is coming.
  if (halfClose && !socket.destroyed) socket.end();
  const timer = setTimeout(() => {
    end = 'timeout';
    socket.destroy();
  }, deadline * 1000);
  await closed;
  clearTimeout(timer);
  return { response: Buffer.concat(chunks), end };
}

/** The status codes of the responses in `raw`, in order. */
export function statuses(raw: Buffer): number[] {
  return [...raw.toString('latin1').matchAll(/HTTP\/1\.[01] (\d{3}) /g)].map((m) => Number(m[1]));
}

/** Cuts `bytes` at the sorted, distinct positions `cuts` (taken modulo its length). */
export function splitAt(bytes: Uint8Array, cuts: readonly number[]): Uint8Array[] {
  if (bytes.length < 2) return [bytes];
  const at = [...new Set(cuts.map((c) => 1 + (c % (bytes.length - 1))))].sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let prev = 0;
  for (const c of at) {
    out.push(bytes.subarray(prev, c));
    prev = c;
  }
  out.push(bytes.subarray(prev));
  return out;
}
