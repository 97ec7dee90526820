/**
 * The clients of the disconnect storm, as a child process: `n` connections,
 * each sending one GET; told 'leave', they all go at once (FIN, or RST with
 * `rst`), then the process exits.
 *
 *   parent → child { type: 'leave' }
 *   child → parent { type: 'sent' } (every request written), { type: 'left' }
 * @module
 */
import { connect, type Socket } from 'node:net';

const { port, n, rst } = JSON.parse(process.argv[2] ?? '{}') as { port: number; n: number; rst?: boolean };
const RAMP = 200;
const sockets: Socket[] = [];
let written = 0;
let connecting = 0;
let next = 0;
let failed = 0;

function open(): void {
  while (connecting < RAMP && next < n) {
    const i = next++;
    connecting++;
    const s = connect({ port, host: '127.0.0.1', noDelay: true });
    sockets.push(s);
    let connected = false;
    // Errors after 'leave' are ours; a failed connect is counted at 'close'.
    s.on('error', () => {});
    s.once('connect', () => {
      connected = true;
      connecting--;
      s.write(`GET /storm/${i} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`, () => {
        if (++written === n) process.send!({ type: 'sent' });
      });
      open();
    });
    s.once('close', () => {
      // A connect that failed: the round cannot complete; the parent's guard reports it.
      if (!connected) {
        failed++;
        connecting--;
        open();
      }
    });
  }
}

process.on('message', (m: { type: string }) => {
  if (m.type !== 'leave') return;
  for (const s of sockets) {
    if (rst === true) s.resetAndDestroy();
    else s.destroy();
  }
  process.send!({ type: 'left', failed }, () => process.exit(0));
});
open();
