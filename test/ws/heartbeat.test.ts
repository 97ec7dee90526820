// The coalesced heartbeat (src/ws/heartbeat.ts): the wheel driven by hand
// with a clock of the test's own, then through the client against bare `ws`
// servers on 127.0.0.1.
import assert from 'node:assert/strict';
import http from 'node:http';
import { test, type TestContext } from 'node:test';
import { WebSocketServer, type WebSocket as WsSocket } from 'ws';
import { ClientSession, ServerTimeoutError, WSMsgType, type ClientWebSocketResponse } from '../../src/client/index.js';
import { getEventLoop, sleep, waitFor } from '../../src/index.js';
import { HeartbeatWheel, heartbeatWheels, startHeartbeat } from '../../src/ws/heartbeat.js';
import { listenWs } from '../helpers/ws-server.js';

// A period long enough that the wheel's real timer never fires during a test
// (and these tests never wait): they tick it by hand and move its clock
// themselves. K is its ticks per period, H half of it (the pong deadline).
const PERIOD = 1000;
const K = new HeartbeatWheel(PERIOD).ticksPerPeriod;
const H = K / 2;
const TICK_MS = (PERIOD * 1000) / K;

function manualWheel(): { wheel: HeartbeatWheel; advance: (ticks?: number, ms?: number) => void } {
  let clock = 0;
  const wheel = new HeartbeatWheel(PERIOD, () => clock);
  return {
    wheel,
    advance(ticks = 1, ms = TICK_MS) {
      for (let i = 0; i < ticks; i++) {
        clock += ms;
        wheel._tick();
      }
    },
  };
}

function counter(): { n: number; fn: () => void } {
  const c = { n: 0, fn: () => { c.n++; } };
  return c;
}

test('wheel: the first ping goes out one period (plus at most a tick) after the socket joins', () => {
  const { wheel, advance } = manualWheel();
  const ping = counter();
  const hb = wheel.add(ping.fn, () => assert.fail('no pong is due yet'));
  advance(K);
  assert.equal(ping.n, 0);
  advance();
  assert.equal(ping.n, 1);
  hb.stop();
  assert.equal(wheel.size, 0);
  assert.equal(wheel.ticking, false);
});

test('wheel: no frame within half a period of a ping → missed, once, and the heartbeat leaves the wheel', () => {
  const { wheel, advance } = manualWheel();
  const ping = counter();
  const missed = counter();
  const hb = wheel.add(ping.fn, missed.fn);
  advance(K + 1);
  assert.equal(ping.n, 1);
  advance(H - 1);
  assert.equal(missed.n, 0, 'before s/2');
  advance();
  assert.equal(missed.n, 1, 'at s/2');
  assert.equal(wheel.size, 0);
  assert.equal(wheel.ticking, false);
  hb.stop(); // the socket's close handler stops it again: a no-op
  assert.equal(wheel.size, 0);
  advance(20);
  assert.deepEqual([ping.n, missed.n], [1, 1]);
});

test('wheel: pongs keep a socket alive, one ping per period', () => {
  const { wheel, advance } = manualWheel();
  let pings = 0;
  const hb = wheel.add(() => {
    pings++;
    // The peer answers at once (in the same tick).
    hb.pong();
  }, () => assert.fail('pongs came back'));
  advance(K + 1);
  assert.equal(pings, 1);
  for (let period = 2; period <= 6; period++) {
    advance(K - 1);
    assert.equal(pings, period - 1, `no ping before period ${period}`);
    advance();
    assert.equal(pings, period, `period ${period}`);
  }
  hb.stop();
  assert.equal(wheel.ticking, false);
});

test('wheel: received data postpones the next ping (as aiohttp 3.10+) and proves the peer alive', () => {
  const { wheel, advance } = manualWheel();
  const ping = counter();
  const hb = wheel.add(ping.fn, () => assert.fail('data counts as an answer'));
  advance(5);
  hb.touch();
  advance(K);
  assert.equal(ping.n, 0, 'postponed by the data at tick 5');
  advance();
  assert.equal(ping.n, 1, 'one period and a tick after the data');
  // No pong, but data after the ping (at tick P + 1): alive at the deadline (P + H).
  advance();
  hb.touch();
  advance(H - 1);
  // The next ping: a period and a tick after that data (P + K + 2), not a period after the ping (P + K).
  advance(K - H + 1);
  assert.equal(ping.n, 1);
  advance();
  assert.equal(ping.n, 2);
  hb.stop();
});

test('wheel: the pong deadline is at least s/2 of real time even when ticks come early', () => {
  const { wheel, advance } = manualWheel();
  const missed = counter();
  wheel.add(() => {}, missed.fn);
  advance(K + 1);
  // Half a period of ticks but almost no time: not late yet.
  advance(H, 1);
  assert.equal(missed.n, 0);
  advance(2, 1);
  assert.equal(missed.n, 0);
  advance(1, PERIOD * 500);
  assert.equal(missed.n, 1);
  assert.equal(wheel.size, 0);
});

test('wheel: a callback that stops another heartbeat of the same tick, and a callback that throws, leave the wheel consistent', () => {
  const { wheel, advance } = manualWheel();
  const reports: string[] = [];
  const loop = getEventLoop();
  const previous = loop.getExceptionHandler();
  loop.setExceptionHandler((c) => reports.push(c.message));
  try {
    const missed = counter();
    const a = wheel.add(() => {}, () => { missed.n++; b.stop(); a.stop(); });
    const b = wheel.add(() => {}, () => { missed.n++; a.stop(); b.stop(); });
    const c = wheel.add(() => { throw new Error('ping broke'); }, missed.fn);
    assert.equal(wheel.size, 3);
    advance(K + 1);
    assert.deepEqual(reports, ['WebSocket heartbeat: ping failed']);
    advance(H);
    // One of a and b stopped the other; c, whose ping threw, timed out.
    assert.equal(missed.n, 2);
    assert.equal(wheel.size, 0);
    assert.equal(wheel.ticking, false);
    c.stop();
    assert.equal(wheel.size, 0);
  } finally {
    loop.setExceptionHandler(previous);
  }
});

test('wheel: a tick with many sockets handles 64 per event-loop turn, then the rest', async () => {
  const { wheel, advance } = manualWheel();
  const ping = counter();
  const all = Array.from({ length: 200 }, () => wheel.add(ping.fn, () => {}));
  advance(K + 1);
  assert.equal(ping.n, 64);
  await new Promise(setImmediate);
  assert.equal(ping.n, 128);
  for (let i = 0; i < 3; i++) await new Promise(setImmediate);
  assert.equal(ping.n, 200);
  for (const hb of all) hb.stop();
  assert.equal(wheel.size, 0);
  assert.equal(wheel.ticking, false);
});

test('wheel: ticks of about 100 ms, 8 to 256 per period', () => {
  assert.deepEqual([0.05, 1, 5, 30, 3600].map((sec) => new HeartbeatWheel(sec).ticksPerPeriod), [8, 10, 50, 256, 256]);
});

test('wheel: one wheel per period, gone with its last socket; none at all without heartbeat', () => {
  assert.deepEqual(heartbeatWheels(), []);
  const a = startHeartbeat(PERIOD, () => {}, () => {});
  const b = startHeartbeat(PERIOD, () => {}, () => {});
  const c = startHeartbeat(PERIOD * 2, () => {}, () => {});
  const wheels = heartbeatWheels();
  assert.deepEqual(wheels.map((w) => [w.seconds, w.size, w.ticking]), [[PERIOD, 2, true], [PERIOD * 2, 1, true]]);
  a.stop();
  b.stop();
  assert.deepEqual(heartbeatWheels().map((w) => w.seconds), [PERIOD * 2]);
  assert.equal(wheels[0]?.ticking, false);
  c.stop();
  assert.deepEqual(heartbeatWheels(), []);
  assert.equal(wheels[1]?.ticking, false);
});

// Through the client, against real peers.

async function wsServer(t: TestContext, onConnection: (ws: WsSocket) => void, autoPong = true): Promise<string> {
  const server = http.createServer();
  const wss = new WebSocketServer({ noServer: true, autoPong });
  server.on('upgrade', (req, socket, head) => {
    socket.on('error', () => {});
    wss.handleUpgrade(req, socket, head, onConnection);
  });
  return listenWs(t, server, wss);
}

function session(t: TestContext): ClientSession {
  const s = new ClientSession();
  t.after(() => s.close());
  return s;
}

/** Wait (by polling, at most 10 s) until `cond()` holds. */
async function until(cond: () => boolean, what: string): Promise<void> {
  await waitFor(async () => {
    while (!cond()) await sleep(0.01);
  }, 10).catch(() => assert.fail(`still not true after 10 s: ${what}`));
}

function wheelSize(seconds: number): number {
  return heartbeatWheels().find((w) => w.seconds === seconds)?.size ?? 0;
}

test('a peer that never pongs is closed with 1006 while nobody calls receive(); then receive() gives ERROR, CLOSE, CLOSED', async (t) => {
  const url = await wsServer(t, () => {}, false);
  const s = session(t);
  const ws = await s.wsConnect(url, { heartbeat: 0.05 });
  assert.equal(wheelSize(0.05), 1);
  // The caller is busy elsewhere: sleeping, never reading.
  await until(() => ws.closed, 'the socket closed by its heartbeat');
  assert.equal(ws.closeCode, 1006);
  assert.ok(ws.exception() instanceof ServerTimeoutError);
  const error = await ws.receive();
  assert.equal(error.type, WSMsgType.ERROR);
  assert.ok(error.data instanceof ServerTimeoutError);
  assert.match(error.data.message, /No PONG received after 0.025 seconds/);
  const close = await ws.receive();
  assert.deepEqual([close.type, close.data], [WSMsgType.CLOSE, 1006]);
  assert.equal((await ws.receive()).type, WSMsgType.CLOSED);
  assert.equal(wheelSize(0.05), 0);
  assert.deepEqual(heartbeatWheels(), []);
});

test('a peer that pongs keeps the socket open over several periods, without any receive()', async (t) => {
  let pings = 0;
  let peer: WsSocket | undefined;
  const url = await wsServer(t, (ws) => {
    peer = ws;
    ws.on('ping', () => pings++);
  });
  const s = session(t);
  const ws = await s.wsConnect(url, { heartbeat: 0.04 });
  await until(() => pings >= 5, 'five pings seen by the peer');
  assert.equal(ws.closed, false);
  assert.equal(ws.exception(), null);
  peer?.send('still here');
  assert.equal(await waitFor(ws.receiveStr(), 5), 'still here');
  assert.equal(await waitFor(ws.close(), 5), true);
  assert.equal(ws.closeCode, 1000);
  assert.deepEqual(heartbeatWheels(), []);
});

test('sockets with different heartbeat values run on one wheel per value', async (t) => {
  const url = await wsServer(t, () => {}, false);
  const live = await wsServer(t, () => {});
  const s = session(t);
  const fast = await s.wsConnect(url, { heartbeat: 0.05 });
  const slow = await s.wsConnect(url, { heartbeat: 0.3 });
  const alsoFast = await s.wsConnect(live, { heartbeat: 0.05 });
  const none = await s.wsConnect(live);
  assert.deepEqual(heartbeatWheels().map((w) => [w.seconds, w.size]).sort(), [[0.05, 2], [0.3, 1]]);
  await until(() => fast.closed, 'the 0.05 s socket closed by its heartbeat');
  assert.equal(fast.closeCode, 1006);
  assert.equal(wheelSize(0.05), 1, 'the live 0.05 s socket stays on its wheel');
  await until(() => slow.closed, 'the 0.3 s socket closed by its heartbeat');
  assert.equal(slow.closeCode, 1006);
  assert.ok(slow.exception() instanceof ServerTimeoutError);
  assert.match(String(slow.exception()), /after 0.15 seconds/);
  assert.deepEqual(heartbeatWheels().map((w) => [w.seconds, w.size]), [[0.05, 1]]);
  assert.equal(alsoFast.closed, false);
  assert.equal(none.closed, false);
  await waitFor(alsoFast.close(), 5);
  assert.deepEqual(heartbeatWheels(), []);
});

test('closing a socket takes it off the wheel: no leak, and the timer stops with the last one', async (t) => {
  const url = await wsServer(t, () => {});
  const s = new ClientSession();
  const sockets: ClientWebSocketResponse[] = [];
  for (let i = 0; i < 5; i++) sockets.push(await s.wsConnect(url, { heartbeat: 0.05 }));
  const [wheel] = heartbeatWheels();
  assert.deepEqual([wheel?.seconds, wheel?.size, wheel?.ticking], [0.05, 5, true]);
  await waitFor((sockets[0] as ClientWebSocketResponse).close(), 5);
  assert.equal(wheel?.size, 4);
  // A socket dropped by the peer leaves too.
  await waitFor(s.close(), 5);
  assert.equal(wheel?.size, 0);
  assert.equal(wheel?.ticking, false);
  assert.deepEqual(heartbeatWheels(), []);
  // A socket without heartbeat starts no timer at all.
  const s2 = session(t);
  const plain = await s2.wsConnect(url);
  assert.deepEqual(heartbeatWheels(), []);
  await waitFor(plain.close(), 5);
});

test('a socket the peer drops leaves the wheel', async (t) => {
  const url = await wsServer(t, (ws) => setImmediate(() => ws.terminate()));
  const s = session(t);
  const ws = await s.wsConnect(url, { heartbeat: 0.05 });
  await until(() => ws.closed, 'the socket dropped by the peer');
  assert.equal(ws.closeCode, 1006);
  assert.deepEqual(heartbeatWheels(), []);
});
