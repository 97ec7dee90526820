// A raw WebSocket peer for the server tests: it writes the handshake and
// frames byte by byte (masked or not, any opcode), so that broken input can
// be sent, and reads the server's frames.
import { connect, type Socket } from 'node:net';

/** A handshake for `path`, with `extra` header lines (each ending in CRLF). */
export function handshakeText(path: string, extra = '', key = 'dGhlIHNhbXBsZSBub25jZQ=='): string {
  return `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n${extra}\r\n`;
}

/** One frame; client frames are masked unless `mask` is false. */
export function frame(opcode: number, payload: Buffer | string, options: { mask?: boolean; fin?: boolean; rsv?: number } = {}): Buffer {
  const data = typeof payload === 'string' ? Buffer.from(payload) : payload;
  const mask = options.mask ?? true;
  const head: number[] = [((options.fin ?? true) ? 0x80 : 0) | ((options.rsv ?? 0) << 4) | opcode];
  const m = mask ? 0x80 : 0;
  if (data.length < 126) head.push(m | data.length);
  else if (data.length < 65536) head.push(m | 126, data.length >> 8, data.length & 255);
  else {
    head.push(m | 127, 0, 0, 0, 0);
    const n = data.length;
    head.push((n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255);
  }
  if (!mask) return Buffer.concat([Buffer.from(head), data]);
  const key = Buffer.from([1, 2, 3, 4]);
  const body = Buffer.from(data.map((b, i) => b ^ (key[i % 4] as number)));
  return Buffer.concat([Buffer.from(head), key, body]);
}

/** A server frame as read back. */
export interface ServerFrame {
  readonly opcode: number;
  readonly payload: Buffer;
}

/** A connection to the server: the raw answer to the handshake, then the frames that follow. */
export class RawPeer {
  readonly socket: Socket;
  /** The HTTP head of the answer, once read. */
  head = '';
  #buf = Buffer.alloc(0);
  #headDone = false;
  readonly frames: ServerFrame[] = [];
  #ended = false;
  #wake: (() => void) | undefined;

  constructor(socket: Socket) {
    this.socket = socket;
    socket.on('data', (d: Buffer) => {
      this.#buf = Buffer.concat([this.#buf, d]);
      this.#parse();
      this.#wake?.();
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      this.#ended = true;
      this.#wake?.();
    });
  }

  /** Connect and write `data` (the handshake, and maybe frames after it) in one write. */
  static async open(port: number, data: string | Buffer): Promise<RawPeer> {
    const socket = connect(port, '127.0.0.1');
    const peer = new RawPeer(socket);
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    socket.write(data);
    return peer;
  }

  /** True once the server closed the connection. */
  get ended(): boolean {
    return this.#ended;
  }

  /** What came after the head that is not a whole frame yet (or everything, when no head came). */
  get rest(): string {
    return this.#buf.toString('latin1');
  }

  #parse(): void {
    if (!this.#headDone) {
      const i = this.#buf.indexOf('\r\n\r\n');
      if (i === -1) return;
      this.head = this.#buf.subarray(0, i + 4).toString('latin1');
      this.#buf = this.#buf.subarray(i + 4);
      this.#headDone = true;
      if (!/^HTTP\/1\.1 101 /.test(this.head)) return;
    }
    if (!/^HTTP\/1\.1 101 /.test(this.head)) return;
    for (;;) {
      const b = this.#buf;
      if (b.length < 2) return;
      let len = (b[1] as number) & 0x7f;
      let off = 2;
      if (len === 126) {
        if (b.length < 4) return;
        len = b.readUInt16BE(2);
        off = 4;
      } else if (len === 127) {
        if (b.length < 10) return;
        len = Number(b.readBigUInt64BE(2));
        off = 10;
      }
      if (b.length < off + len) return;
      this.frames.push({ opcode: (b[0] as number) & 0x0f, payload: b.subarray(off, off + len) });
      this.#buf = b.subarray(off + len);
    }
  }

  /** Wait until `check` holds or the connection ends; then give what `check` returned. */
  async until<T>(check: () => T | undefined): Promise<T | undefined> {
    for (;;) {
      const v = check();
      if (v !== undefined || this.#ended) return v;
      await new Promise<void>((resolve) => (this.#wake = resolve));
    }
  }

  /** The status code of the answer (0 if the connection ended without one). */
  async status(): Promise<number> {
    await this.until(() => (this.head === '' ? undefined : true));
    const m = /^HTTP\/1\.[01] (\d{3})/.exec(this.head);
    return m === null ? 0 : Number(m[1]);
  }

  /** The code of the server's close frame (null if none came before the connection ended). */
  async closeCode(): Promise<number | null> {
    const f = await this.until(() => this.frames.find((x) => x.opcode === 8));
    if (f === undefined) return null;
    return f.payload.length >= 2 ? f.payload.readUInt16BE(0) : 1005;
  }

  /** The next text frame's payload after `n` frames were seen. */
  async text(n: number): Promise<string | undefined> {
    const f = await this.until(() => this.frames.filter((x) => x.opcode === 1)[n]);
    return f?.payload.toString('utf8');
  }

  /** Wait for the server to close the connection. */
  async end(): Promise<void> {
    await this.until(() => undefined);
  }

  close(): void {
    this.socket.destroy();
  }
}
