// A table of WebSocket frame cases after the Autobahn TestSuite
// (github.com/crossbario/autobahn-testsuite, autobahntestsuite/case/),
// written afresh: each row names the Autobahn case it follows, the frames a
// fuzzing peer sends, and what must come back (the echoed messages, the close
// code in the close frame the tested side sends).
//
// How the rows were chosen (168 of Autobahn's ~500 cases 1-7, 12, 13):
// every case of 1-5 that sits on an edge (payload lengths 0/125/126/127/128/
// 65535/65536 where the length encoding changes, chopped into 1-byte or 997-
// byte writes; each reserved bit and opcode once, alone and after a valid
// message; every fragmentation pattern); for 6 (UTF-8), the first one or two
// rows of each of Autobahn's sub-categories (valid, invalid, split across
// fragments inside a code point, fail-fast); for 7, each close-frame shape
// and every close code Autobahn lists (7.7 valid, 7.9 and 7.13 invalid); for
// 12 and 13 (permessage-deflate) each message size of 12.1 (text), five of
// 12.2 (binary), on generated data (Autobahn's data files are not here), 20
// messages each instead of 1000, and the context-takeover/window-bits
// variants of 13 at two sizes (13.3/13.5 with 9 bits: zlib cannot do 8).
// Where Autobahn sends the same frames with several timings (in one write,
// frame by frame, octet by octet, with pauses) one or two timings are kept.
// Sleeps are 0.1 s where Autobahn waits 1 s.

/**
 * One frame (`len`: the payload repeated to that length; `chop`: written in
 * pieces of that many bytes; `wrongMask`: a client frame unmasked or a server
 * frame masked), a whole message (compressed when deflate is on), or a pause.
 */
export type Step =
  | { readonly op: number; readonly data?: string | Buffer; readonly fin?: boolean; readonly rsv?: number; readonly len?: number; readonly chop?: number; readonly sync?: boolean; readonly wrongMask?: boolean }
  | { readonly msg: string | Buffer; readonly binary?: boolean }
  | { readonly sleep: number };

/** A message that must come back. */
export interface Echo {
  readonly type: 'text' | 'binary' | 'pong';
  readonly data: Buffer;
}

export interface FrameCase {
  /** Autobahn's case id (x.* for a case of our own). */
  readonly id: string;
  readonly steps: readonly Step[];
  readonly echo: readonly Echo[];
  /**
   * Some of `echo` may be missing (a prefix is enough): a valid message
   * followed at once by a fatal frame. `ws` emits the message and fails on
   * the next frame in the same tick; an echo from a `receive()` loop comes a
   * tick later, once the socket is closing, as aiohttp's would (Autobahn
   * counts this NON-STRICT, not FAILED).
   */
  readonly echoMayBeCut?: boolean;
  /** The code in the tested side's close frame; null: a close frame without a code. */
  readonly close: number | null;
  /** The tested side's `closeCode` afterwards (when not `close`). */
  readonly ours?: number;
  /** permessage-deflate with these parameters. */
  readonly deflate?: { readonly noContextTakeover?: boolean; readonly maxWindowBits?: number };
}

const OK = 1000;
const PROTOCOL_ERROR = 1002;
const INVALID_TEXT = 1007;
const TEXT = 1;
const BINARY = 2;
const CONT = 0;
const CLOSE = 8;
const PING = 9;
const PONG = 10;

const b = (s: string | Buffer): Buffer => (typeof s === 'string' ? Buffer.from(s) : s);
const hex = (h: string): Buffer => Buffer.from(h, 'hex');
const text = (s: string | Buffer): Echo => ({ type: 'text', data: b(s) });
const binary = (s: Buffer): Echo => ({ type: 'binary', data: s });
const pong = (s: string | Buffer = ''): Echo => ({ type: 'pong', data: b(s) });
const closePayload = (code: number, reason: string | Buffer = ''): Buffer => Buffer.concat([Buffer.from([code >> 8, code & 0xff]), b(reason)]);

const rows: FrameCase[] = [];
const row = (c: FrameCase): void => {
  rows.push(c);
};

// 1: text and binary messages of lengths around the 7/16/64-bit length encodings.
const LENGTHS: ReadonlyArray<[number, number?]> = [[0], [125], [126], [127], [128], [65535], [65536], [65536, 997]];
LENGTHS.forEach(([len, chop], i) => {
  const star = '*'.repeat(len);
  row({ id: `1.1.${i + 1}`, steps: [{ op: TEXT, data: len === 0 ? '' : '*', ...(len === 0 ? {} : { len }), ...(chop ? { chop } : {}) }], echo: [text(star)], close: OK });
  const fe = Buffer.alloc(len, 0xfe);
  row({ id: `1.2.${i + 1}`, steps: [{ op: BINARY, data: len === 0 ? Buffer.alloc(0) : hex('fe'), ...(len === 0 ? {} : { len }), ...(chop ? { chop } : {}) }], echo: [binary(fe)], close: OK });
});

// 2: pings and pongs.
row({ id: '2.1', steps: [{ op: PING }], echo: [pong()], close: OK });
row({ id: '2.2', steps: [{ op: PING, data: 'Hello, world!' }], echo: [pong('Hello, world!')], close: OK });
row({ id: '2.3', steps: [{ op: PING, data: hex('0000fafbfcfdfeff') }], echo: [pong(hex('0000fafbfcfdfeff'))], close: OK });
row({ id: '2.4', steps: [{ op: PING, data: Buffer.alloc(125, 0xfe) }], echo: [pong(Buffer.alloc(125, 0xfe))], close: OK });
row({ id: '2.5', steps: [{ op: PING, data: Buffer.alloc(126, 0xfe) }], echo: [], close: PROTOCOL_ERROR });
row({ id: '2.6', steps: [{ op: PING, data: Buffer.alloc(125, 0xfe), chop: 1 }], echo: [pong(Buffer.alloc(125, 0xfe))], close: OK });
row({ id: '2.7', steps: [{ op: PONG }], echo: [], close: OK });
row({ id: '2.8', steps: [{ op: PONG, data: 'unsolicited pong payload' }], echo: [], close: OK });
row({ id: '2.9', steps: [{ op: PONG, data: 'unsolicited pong payload' }, { op: PING, data: 'ping payload' }], echo: [pong('ping payload')], close: OK });
const tenPings = Array.from({ length: 10 }, (_, i) => `payload-${i}`);
row({ id: '2.10', steps: tenPings.map((p) => ({ op: PING, data: p })), echo: tenPings.map((p) => pong(p)), close: OK });
row({ id: '2.11', steps: tenPings.map((p) => ({ op: PING, data: p, chop: 1, sync: true })), echo: tenPings.map((p) => pong(p)), close: OK });

// 3: reserved bits.
row({ id: '3.1', steps: [{ op: TEXT, data: 'Hello, world!', rsv: 1 }], echo: [], close: PROTOCOL_ERROR });
row({ id: '3.2', steps: [{ op: TEXT, data: 'Hello, world!' }, { op: TEXT, data: 'Hello, world!', rsv: 2 }, { op: PING }], echo: [text('Hello, world!')], echoMayBeCut: true, close: PROTOCOL_ERROR });
row({ id: '3.3', steps: [{ op: TEXT, data: 'Hello, world!', sync: true }, { op: TEXT, data: 'Hello, world!', rsv: 3, sync: true }, { op: PING, sync: true }], echo: [text('Hello, world!')], echoMayBeCut: true, close: PROTOCOL_ERROR });
// RSV1 is the "compressed" bit: without permessage-deflate it is an error too.
row({ id: '3.4', steps: [{ op: TEXT, data: 'Hello, world!', chop: 1 }, { op: TEXT, data: 'Hello, world!', rsv: 4, chop: 1 }, { op: PING, chop: 1 }], echo: [text('Hello, world!')], echoMayBeCut: true, close: PROTOCOL_ERROR });
row({ id: '3.5', steps: [{ op: BINARY, data: hex('00ff'), rsv: 5 }], echo: [], close: PROTOCOL_ERROR });
row({ id: '3.6', steps: [{ op: PING, data: 'Hello, world!', rsv: 6 }], echo: [], close: PROTOCOL_ERROR });
row({ id: '3.7', steps: [{ op: CLOSE, data: closePayload(OK), rsv: 7 }], echo: [], close: PROTOCOL_ERROR });

// 4: reserved opcodes, non-control (3-7) and control (11-15).
row({ id: '4.1.1', steps: [{ op: 3 }], echo: [], close: PROTOCOL_ERROR });
row({ id: '4.1.2', steps: [{ op: 4, data: 'reserved opcode payload' }], echo: [], close: PROTOCOL_ERROR });
row({ id: '4.1.3', steps: [{ op: TEXT, data: 'Hello, world!' }, { op: 5 }, { op: PING }], echo: [text('Hello, world!')], echoMayBeCut: true, close: PROTOCOL_ERROR });
row({ id: '4.1.4', steps: [{ op: TEXT, data: 'Hello, world!' }, { op: 6, data: 'reserved opcode payload' }, { op: PING }], echo: [text('Hello, world!')], echoMayBeCut: true, close: PROTOCOL_ERROR });
row({ id: '4.1.5', steps: [{ op: TEXT, data: 'Hello, world!', chop: 1 }, { op: 7, data: 'reserved opcode payload', chop: 1 }, { op: PING, chop: 1 }], echo: [text('Hello, world!')], echoMayBeCut: true, close: PROTOCOL_ERROR });
row({ id: '4.2.1', steps: [{ op: 11 }], echo: [], close: PROTOCOL_ERROR });
row({ id: '4.2.2', steps: [{ op: 12, data: 'reserved opcode payload' }], echo: [], close: PROTOCOL_ERROR });
row({ id: '4.2.3', steps: [{ op: TEXT, data: 'Hello, world!' }, { op: 13 }, { op: PING }], echo: [text('Hello, world!')], echoMayBeCut: true, close: PROTOCOL_ERROR });
row({ id: '4.2.4', steps: [{ op: TEXT, data: 'Hello, world!' }, { op: 14, data: 'reserved opcode payload' }, { op: PING }], echo: [text('Hello, world!')], echoMayBeCut: true, close: PROTOCOL_ERROR });
row({ id: '4.2.5', steps: [{ op: TEXT, data: 'Hello, world!', chop: 1 }, { op: 15, data: 'reserved opcode payload', chop: 1 }, { op: PING, chop: 1 }], echo: [text('Hello, world!')], echoMayBeCut: true, close: PROTOCOL_ERROR });

// 5: fragmentation.
row({ id: '5.1', steps: [{ op: PING, data: 'fragment1', fin: false }, { op: CONT, data: 'fragment2' }], echo: [], close: PROTOCOL_ERROR });
row({ id: '5.2', steps: [{ op: PONG, data: 'fragment1', fin: false }, { op: CONT, data: 'fragment2' }], echo: [], close: PROTOCOL_ERROR });
row({ id: '5.3', steps: [{ op: TEXT, data: 'fragment1', fin: false }, { op: CONT, data: 'fragment2' }], echo: [text('fragment1fragment2')], close: OK });
row({ id: '5.4', steps: [{ op: TEXT, data: 'fragment1', fin: false }, { sleep: 0.1 }, { op: CONT, data: 'fragment2' }], echo: [text('fragment1fragment2')], close: OK });
row({ id: '5.5', steps: [{ op: TEXT, data: 'fragment1', fin: false, chop: 1 }, { op: CONT, data: 'fragment2', chop: 1 }], echo: [text('fragment1fragment2')], close: OK });
row({ id: '5.6', steps: [{ op: TEXT, data: 'fragment1', fin: false }, { op: PING, data: 'ping payload' }, { op: CONT, data: 'fragment2' }], echo: [pong('ping payload'), text('fragment1fragment2')], close: OK });
row({ id: '5.7', steps: [{ op: TEXT, data: 'fragment1', fin: false }, { sleep: 0.1 }, { op: PING, data: 'ping payload' }, { sleep: 0.1 }, { op: CONT, data: 'fragment2' }], echo: [pong('ping payload'), text('fragment1fragment2')], close: OK });
row({ id: '5.8', steps: [{ op: TEXT, data: 'fragment1', fin: false, chop: 1 }, { op: PING, data: 'ping payload', chop: 1 }, { op: CONT, data: 'fragment2', chop: 1 }], echo: [pong('ping payload'), text('fragment1fragment2')], close: OK });
row({ id: '5.9', steps: [{ op: CONT, data: 'non-continuation payload' }, { op: TEXT, data: 'Hello, world!' }], echo: [], close: PROTOCOL_ERROR });
row({ id: '5.11', steps: [{ op: CONT, data: 'non-continuation payload', chop: 1 }, { op: TEXT, data: 'Hello, world!', chop: 1 }], echo: [], close: PROTOCOL_ERROR });
row({ id: '5.12', steps: [{ op: CONT, data: 'non-continuation payload', fin: false }, { op: TEXT, data: 'Hello, world!' }], echo: [], close: PROTOCOL_ERROR });
row({ id: '5.15', steps: [{ op: TEXT, data: 'fragment1', fin: false }, { op: CONT, data: 'fragment2' }, { op: CONT, data: 'fragment3', fin: false }, { op: TEXT, data: 'fragment4' }], echo: [text('fragment1fragment2')], echoMayBeCut: true, close: PROTOCOL_ERROR });
row({ id: '5.16', steps: [{ op: CONT, data: 'fragment1', fin: false }, { op: TEXT, data: 'fragment2', fin: false }, { op: CONT, data: 'fragment3' }], echo: [], close: PROTOCOL_ERROR });
row({ id: '5.17', steps: [{ op: CONT, data: 'fragment1' }, { op: TEXT, data: 'fragment2', fin: false }, { op: CONT, data: 'fragment3' }], echo: [], close: PROTOCOL_ERROR });
row({ id: '5.18', steps: [{ op: TEXT, data: 'fragment1', fin: false }, { op: TEXT, data: 'fragment2' }], echo: [], close: PROTOCOL_ERROR });
row({
  id: '5.19',
  steps: [
    { op: TEXT, data: 'fragment1', fin: false }, { op: CONT, data: 'fragment2', fin: false }, { op: PING, data: 'pongme 1!' }, { sleep: 0.1 },
    { op: CONT, data: 'fragment3', fin: false }, { op: CONT, data: 'fragment4', fin: false }, { op: PING, data: 'pongme 2!' }, { sleep: 0.1 },
    { op: CONT, data: 'fragment5' },
  ],
  echo: [pong('pongme 1!'), pong('pongme 2!'), text('fragment1fragment2fragment3fragment4fragment5')],
  close: OK,
});

// 6: UTF-8 in text messages.
const HELLO = 'Hello-µ@ßöäüàá-UTF-8!!';
const KOSME = hex('cebae1bdb9cf83cebcceb5');
const INVALID = hex('cebae1bdb9cf83cebcceb5eda080656469746564');
row({ id: '6.1.1', steps: [{ op: TEXT }], echo: [text('')], close: OK });
row({ id: '6.1.2', steps: [{ op: TEXT, fin: false }, { op: CONT, fin: false }, { op: CONT }], echo: [text('')], close: OK });
row({ id: '6.1.3', steps: [{ op: TEXT, fin: false }, { op: CONT, data: 'middle frame payload', fin: false }, { op: CONT }], echo: [text('middle frame payload')], close: OK });
row({ id: '6.2.1', steps: [{ op: TEXT, data: HELLO }], echo: [text(HELLO)], close: OK });
const helloBytes = Buffer.from(HELLO);
const fragments = (buf: Buffer, size: number): Step[] => {
  const out: Step[] = [];
  for (let i = 0; i < buf.length; i += size) out.push({ op: i === 0 ? TEXT : CONT, data: buf.subarray(i, i + size), fin: i + size >= buf.length });
  return out;
};
row({ id: '6.2.2', steps: [{ op: TEXT, data: helloBytes.subarray(0, 12), fin: false }, { op: CONT, data: helloBytes.subarray(12) }], echo: [text(HELLO)], close: OK });
row({ id: '6.2.3', steps: fragments(helloBytes, 1), echo: [text(HELLO)], close: OK });
row({ id: '6.2.4', steps: fragments(KOSME, 1), echo: [text(KOSME)], close: OK });
row({ id: '6.3.1', steps: [{ op: TEXT, data: INVALID }], echo: [], close: INVALID_TEXT });
row({ id: '6.3.2', steps: fragments(INVALID, 1), echo: [], close: INVALID_TEXT });
// 6.4: the invalid code point arrives in a later fragment; `ws` checks the
// whole message at its end (Autobahn's NON-STRICT), so the close code is what counts.
row({ id: '6.4.1', steps: [{ op: TEXT, data: KOSME, fin: false }, { sleep: 0.1 }, { op: CONT, data: hex('f4908080'), fin: false }, { sleep: 0.1 }, { op: CONT, data: 'edited' }], echo: [], close: INVALID_TEXT });
row({ id: '6.4.3', steps: [{ op: TEXT, data: Buffer.concat([KOSME, hex('f4908080'), Buffer.from('edited')]), chop: 1 }], echo: [], close: INVALID_TEXT });
// 6.5-6.23: one text message each, valid (echoed) or not (1007).
const UTF8: ReadonlyArray<[string, string, boolean]> = [
  ['6.5.3', '68656c6c6fe282ac776f726c64', true], ['6.5.4', '68656c6c6ff0a4ada2776f726c64', true],
  ['6.6.1', 'ce', false], ['6.6.2', 'ceba', true], ['6.6.4', 'cebae1bd', false],
  ['6.7.1', '00', true], ['6.7.2', 'c280', true], ['6.7.3', 'e0a080', true], ['6.7.4', 'f0908080', true],
  ['6.8.1', 'f888808080', false], ['6.8.2', 'fc8480808080', false],
  ['6.9.2', 'dfbf', true], ['6.9.3', 'efbfbf', true], ['6.9.4', 'f48fbfbf', true],
  ['6.10.1', 'f7bfbfbf', false],
  ['6.11.1', 'ed9fbf', true], ['6.11.2', 'ee8080', true], ['6.11.5', 'f4908080', false],
  ['6.12.1', '80', false], ['6.12.3', '80bf', false],
  ['6.13.1', Array.from({ length: 0x1f }, (_, i) => (0xc0 + i).toString(16) + '20').join(''), false],
  ['6.14.2', 'e080', false], ['6.14.7', 'efbf', false],
  ['6.15.1', 'c0e080f08080f8808080fc80808080dfefbff7bfbffbbfbfbffdbfbfbfbf', false],
  ['6.16.1', 'fe', false], ['6.16.2', 'ff', false],
  ['6.17.1', 'c0af', false], ['6.17.2', 'e080af', false], ['6.18.1', 'c1bf', false], ['6.19.1', 'c080', false],
  ['6.20.1', 'eda080', false], ['6.20.7', 'edbfbf', false], ['6.21.1', 'eda080edb080', false],
  ['6.22.1', 'efbfbe', true], ['6.22.34', 'f48fbfbf', true], ['6.23.5', 'efbfbd', true],
];
for (const [id, h, valid] of UTF8) row({ id, steps: [{ op: TEXT, data: hex(h) }], echo: valid ? [text(hex(h))] : [], close: valid ? OK : INVALID_TEXT });

// 7: closing.
row({ id: '7.1.1', steps: [{ op: TEXT, data: 'Hello World!' }, { sleep: 0.1 }, { op: CLOSE, data: closePayload(OK) }], echo: [text('Hello World!')], close: OK });
row({ id: '7.1.2', steps: [{ op: CLOSE, data: closePayload(OK) }, { op: CLOSE, data: closePayload(OK) }], echo: [], close: OK });
row({ id: '7.1.3', steps: [{ op: CLOSE, data: closePayload(OK) }, { op: PING, data: 'Hello World!' }], echo: [], close: OK });
row({ id: '7.1.4', steps: [{ op: CLOSE, data: closePayload(OK) }, { op: TEXT, data: 'Hello World!' }], echo: [], close: OK });
row({ id: '7.1.5', steps: [{ op: TEXT, data: 'fragment1', fin: false }, { op: CLOSE, data: closePayload(OK) }, { op: CONT, data: 'fragment2' }], echo: [], close: OK });
// A large message then at once a close: the echo may find the socket closing.
row({ id: '7.1.6', steps: [{ op: TEXT, data: 'BAsd7&jh23', len: 256 * 1024 }, { op: CLOSE, data: closePayload(OK) }, { op: PING, data: 'Hello World!' }], echo: [text(Buffer.from('BAsd7&jh23'.repeat(Math.ceil(256 * 1024 / 10))).subarray(0, 256 * 1024))], echoMayBeCut: true, close: OK });
row({ id: '7.3.1', steps: [{ op: CLOSE }], echo: [], close: null, ours: 1005 });
row({ id: '7.3.2', steps: [{ op: CLOSE, data: hex('2a') }], echo: [], close: PROTOCOL_ERROR });
row({ id: '7.3.3', steps: [{ op: CLOSE, data: closePayload(OK) }], echo: [], close: OK });
row({ id: '7.3.4', steps: [{ op: CLOSE, data: closePayload(OK, 'Hello World!') }], echo: [], close: OK });
row({ id: '7.3.5', steps: [{ op: CLOSE, data: closePayload(OK, '*'.repeat(123)) }], echo: [], close: OK });
row({ id: '7.3.6', steps: [{ op: CLOSE, data: closePayload(OK, '*'.repeat(124)) }], echo: [], close: PROTOCOL_ERROR });
row({ id: '7.5.1', steps: [{ op: CLOSE, data: closePayload(OK, INVALID) }], echo: [], close: INVALID_TEXT });
[1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 3000, 3999, 4000, 4999].forEach((code, i) => {
  row({ id: `7.7.${i + 1}`, steps: [{ op: CLOSE, data: closePayload(code) }], echo: [], close: code });
});
[0, 999, 1004, 1005, 1006, 1016, 1100, 2000, 2999].forEach((code, i) => {
  row({ id: `7.9.${i + 1}`, steps: [{ op: CLOSE, data: closePayload(code) }], echo: [], close: PROTOCOL_ERROR });
});
row({ id: '7.13.1', steps: [{ op: CLOSE, data: closePayload(5000) }], echo: [], close: PROTOCOL_ERROR });
row({ id: '7.13.2', steps: [{ op: CLOSE, data: closePayload(65535) }], echo: [], close: PROTOCOL_ERROR });

// Not Autobahn's: a client frame without a mask, a server frame with one (RFC 6455 5.1).
row({ id: 'x.mask', steps: [{ op: TEXT, data: 'Hello, world!', wrongMask: true }], echo: [], close: PROTOCOL_ERROR });

// 12 and 13: permessage-deflate echo. Generated data: JSON text (12.1's
// kind) and a patterned bitmap-like binary (12.2's kind).
const JSON_DATA = Buffer.from(JSON.stringify(Array.from({ length: 4000 }, (_, i) => ({ id: i, name: `user ${i}`, tags: ['a', 'b', String(i % 7)], score: (i * 37) % 101, ok: i % 3 === 0 }))));
const BITMAP = Buffer.from(Array.from({ length: 300_000 }, (_, i) => ((i % 512) ^ ((i >> 9) * 3)) & 0xff));
const SIZES = [16, 64, 256, 1024, 4096, 8192, 16384, 32768, 65536, 131072];
const COUNT = 20;
function deflateRow(id: string, data: Buffer, isBinary: boolean, size: number, deflate: NonNullable<FrameCase['deflate']>): void {
  const msgs: Buffer[] = [];
  for (let i = 0, at = 0; i < COUNT; i++, at = (at + size) % (data.length - size)) msgs.push(data.subarray(at, at + size));
  row({
    id,
    steps: msgs.map((m) => ({ msg: m, binary: isBinary })),
    echo: msgs.map((m) => (isBinary ? binary(m) : text(m))),
    close: OK,
    deflate,
  });
}
SIZES.forEach((size, i) => deflateRow(`12.1.${i + 1}`, JSON_DATA, false, size, {}));
for (const i of [1, 4, 6, 9, 10]) deflateRow(`12.2.${i}`, BITMAP, true, SIZES[i - 1] as number, {});
const VARIANTS: ReadonlyArray<[number, NonNullable<FrameCase['deflate']>]> = [[2, { noContextTakeover: true }], [3, { maxWindowBits: 9 }], [4, { maxWindowBits: 15 }], [5, { noContextTakeover: true, maxWindowBits: 9 }]];
for (const [j, deflate] of VARIANTS) for (const i of [4, 9]) deflateRow(`13.${j}.${i}`, JSON_DATA, false, SIZES[i - 1] as number, deflate);

/** The table. */
export const FRAME_CASES: readonly FrameCase[] = rows;

/** The JSON the fuzzing peer reads (frames as hex). */
export function forPython(cases: readonly FrameCase[]): string {
  const toHex = (d: string | Buffer | undefined): string => (d === undefined ? '' : b(d).toString('hex'));
  return JSON.stringify(cases.map((c) => ({
    id: c.id,
    wait: c.echo.length,
    ...(c.deflate ? { deflate: c.deflate } : {}),
    steps: c.steps.map((s) => {
      if ('sleep' in s) return s;
      if ('msg' in s) return { msg: toHex(s.msg), binary: s.binary ?? false };
      const { data, ...rest } = s;
      return { ...rest, hex: toHex(data) };
    }),
  })));
}
