// Slow clients against node:http's header and request deadlines as aiots
// sets them (issue 15): a client that drips its headers or its body is cut,
// and the server answers others meanwhile. Fates only, no timing: a check
// interval gone back to Node's 30 s shows as a hang-guard failure.
import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import { connect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { test, type TestContext } from 'node:test';
import * as web from '../../src/web/index.js';
import { selfSignedCert } from '../tls-certs.js';
import { statusOf } from '../web/helpers.js';

interface Served {
  readonly site: web.TCPSite;
  readonly errors: unknown[];
}

async function serve(t: TestContext, app: web.Application, options: web.RunnerOptions = {}, ssl?: web.TCPSiteOptions['ssl']): Promise<Served> {
  const errors: unknown[] = [];
  const runner = new web.AppRunner(app, { accessLog: null, errorLog: (_m, e) => errors.push(e), ...options });
  await runner.setup();
  const site = new web.TCPSite(runner, '127.0.0.1', 0, ssl === undefined ? {} : { ssl });
  await site.start();
  t.after(() => runner.cleanup());
  return { site, errors };
}

function nodeServerOf(site: web.TCPSite): Server & { connectionsCheckingInterval: number } {
  return (site as unknown as { _server: Server & { connectionsCheckingInterval: number } })._server;
}

/** Resolves with how many of the server's connections closed, once `n` have. */
function serverCloses(site: web.TCPSite): { count: () => number; until: (n: number) => Promise<void> } {
  let closed = 0;
  const waiters: { n: number; resolve: () => void }[] = [];
  nodeServerOf(site).on('connection', (s: Socket) => {
    s.on('close', () => {
      closed++;
      for (const w of waiters) if (closed >= w.n) w.resolve();
    });
  });
  return {
    count: () => closed,
    until: (n) => new Promise((resolve) => {
      if (closed >= n) resolve();
      else waiters.push({ n, resolve });
    }),
  };
}

/** What a dripping client got: everything the server sent, and how the connection ended. */
interface Fate {
  readonly received: string;
  readonly bytesSent: number;
  readonly closedByServer: boolean;
}

/**
 * Send `head` at once, then `drip` one byte every `every` ms, until the
 * server closes the connection or `give` ms pass (the hang guard).
 */
function drip(port: number, head: string, dripped: string, every: number, give: number): Promise<Fate> {
  return new Promise((resolve, reject) => {
    const sock: Socket = connect(port, '127.0.0.1');
    let received = '';
    let sent = 0;
    let i = 0;
    let timer: NodeJS.Timeout | undefined;
    const guard = setTimeout(() => finish(false), give);
    const finish = (closedByServer: boolean): void => {
      clearInterval(timer);
      clearTimeout(guard);
      sock.destroy();
      resolve({ received, bytesSent: sent, closedByServer });
    };
    sock.on('connect', () => {
      sock.write(head);
      sent += head.length;
      timer = setInterval(() => {
        if (i >= dripped.length || sock.destroyed || !sock.writable) return;
        sock.write(dripped[i++] as string);
        sent++;
      }, every);
    });
    sock.on('data', (d: Buffer) => (received += d.toString('latin1')));
    sock.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code !== 'ECONNRESET' && e.code !== 'EPIPE') reject(e);
    });
    sock.on('end', () => finish(true));
    sock.on('close', () => finish(true));
  });
}

test('with the default timeouts, Node checks the deadlines at least every second', async (t) => {
  const { site } = await serve(t, new web.Application());
  const interval = nodeServerOf(site).connectionsCheckingInterval;
  assert.ok(interval > 0 && interval <= 1000, `connectionsCheckingInterval ${interval} ms`);
});

test('fractional timeouts become whole milliseconds (node:http refuses 2000.1)', async (t) => {
  const { site } = await serve(t, new web.Application(), { headersTimeout: 1.2345, requestTimeout: 2.0001, keepaliveTimeout: 0.5005 });
  const server = nodeServerOf(site);
  assert.equal(server.headersTimeout, 1235);
  assert.equal(server.requestTimeout, 2000);
});

test('headers sent a byte at a time past headersTimeout: 408 and closed, while another client is served', { timeout: 30_000 }, async (t) => {
  const app = new web.Application();
  let handled = 0;
  app.router.addGet('/', () => {
    handled++;
    return new web.Response({ text: 'ok' });
  });
  const { site, errors } = await serve(t, app, { headersTimeout: 1, requestTimeout: 3 });
  // 600 bytes at one per 20 ms: 12 s if nobody cut it.
  const slow = drip(site.port, 'GET / HTTP/1.1\r\nHost: x\r\n', `X-Slow: ${'a'.repeat(600)}\r\n\r\n`, 20, 20_000);
  // A well-behaved request on another connection while the slow one drips.
  const ok = await fetch(`http://127.0.0.1:${site.port}/`);
  assert.equal(ok.status, 200);
  assert.equal(await ok.text(), 'ok');
  const fate = await slow;
  assert.ok(fate.closedByServer, `not cut: ${fate.bytesSent} bytes sent in 20 s`);
  assert.equal(statusOf(fate.received), 408);
  assert.ok(fate.bytesSent < 600, `the whole head went through (${fate.bytesSent} bytes)`);
  assert.equal(handled, 1);
  assert.deepEqual(errors, []);
});

test('a body sent a byte at a time past requestTimeout: 408 and closed, the handler sees the connection lost', { timeout: 30_000 }, async (t) => {
  const app = new web.Application();
  const fates: string[] = [];
  app.router.addPost('/upload', async (request) => {
    try {
      const body = await request.read();
      fates.push(`read ${body.length}`);
    } catch (e) {
      fates.push((e as Error).name);
      throw e;
    }
    return new web.Response({ text: 'got it' });
  });
  app.router.addGet('/', () => new web.Response({ text: 'ok' }));
  const { site, errors } = await serve(t, app, { headersTimeout: 1, requestTimeout: 2 });
  const slow = drip(site.port, 'POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 600\r\n\r\n', 'b'.repeat(600), 20, 20_000);
  const ok = await fetch(`http://127.0.0.1:${site.port}/`);
  assert.equal(ok.status, 200);
  const fate = await slow;
  assert.ok(fate.closedByServer, `not cut: ${fate.bytesSent} bytes sent in 20 s`);
  assert.equal(statusOf(fate.received), 408);
  // Wait for the handler to have ended.
  for (let i = 0; i < 100 && fates.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
  assert.equal(fates.length, 1);
  assert.equal(fates[0], 'ConnectionResetError');
  // A client's slowness is not the server's error: nothing logged.
  assert.deepEqual(errors, []);
});

test('a connection that sends nothing is closed at headersTimeout', { timeout: 30_000 }, async (t) => {
  const { site } = await serve(t, new web.Application(), { headersTimeout: 1, requestTimeout: 2 });
  const fate = await drip(site.port, '', '', 1000, 20_000);
  assert.ok(fate.closedByServer);
  assert.equal(statusOf(fate.received), 408);
});

const MiB = 1024 * 1024;

/** A handler streaming `total` bytes in 64 KiB writes; `written` counts what write() accepted. */
function streamingApp(total: number): { app: web.Application; state: { written: number; ended: string } } {
  const state = { written: 0, ended: '' };
  const app = new web.Application();
  const chunk = Buffer.alloc(64 * 1024, 0x61);
  app.router.addGet('/big', async (request) => {
    const resp = new web.StreamResponse({ headers: { 'Content-Type': 'application/octet-stream', 'Content-Length': String(total) } });
    await resp.prepare(request);
    try {
      while (state.written < total) {
        await resp.write(chunk);
        state.written += chunk.length;
      }
      await resp.writeEof();
      state.ended = 'complete';
    } catch (e) {
      state.ended = (e as Error).name;
      throw e;
    }
    return resp;
  });
  app.router.addGet('/whole', () => new web.Response({ body: Buffer.alloc(32 * MiB, 0x62) }));
  app.router.addGet('/', () => new web.Response({ text: 'ok' }));
  return { app, state };
}

test('a client that never reads a 1 GiB stream: backpressure bounds what is written, the connection is dropped at requestTimeout', { timeout: 30_000 }, async (t) => {
  const { app, state } = streamingApp(1024 * MiB);
  const { site, errors } = await serve(t, app, { requestTimeout: 1, headersTimeout: 1 });
  const closes = serverCloses(site);
  const sock = connect(site.port, '127.0.0.1');
  t.after(() => sock.destroy());
  sock.pause();
  sock.write('GET /big HTTP/1.1\r\nHost: x\r\n\r\n');
  await closes.until(1);
  for (let i = 0; i < 100 && state.ended === ''; i++) await new Promise((r) => setTimeout(r, 20));
  assert.equal(state.ended, 'ConnectionResetError');
  // The kernel's buffers on both sides plus one socket buffer, not 1 GiB.
  assert.ok(state.written < 64 * MiB, `${state.written / MiB} MiB written to a client that reads nothing`);
  const ok = await fetch(`http://127.0.0.1:${site.port}/`);
  assert.equal(ok.status, 200);
  assert.deepEqual(errors, []);
});

test('over TLS too: a client that never reads a 1 GiB stream is dropped at requestTimeout', { timeout: 30_000 }, async (t) => {
  const { app, state } = streamingApp(1024 * MiB);
  const { site } = await serve(t, app, { requestTimeout: 1, headersTimeout: 1 }, selfSignedCert());
  const closes = serverCloses(site);
  const sock = tlsConnect({ port: site.port, host: '127.0.0.1', rejectUnauthorized: false });
  t.after(() => sock.destroy());
  sock.on('error', () => {});
  sock.once('secureConnect', () => {
    sock.write('GET /big HTTP/1.1\r\nHost: x\r\n\r\n');
    sock.pause();
  });
  await closes.until(1);
  for (let i = 0; i < 100 && state.ended === ''; i++) await new Promise((r) => setTimeout(r, 20));
  assert.equal(state.ended, 'ConnectionResetError');
  assert.ok(state.written < 64 * MiB, `${state.written / MiB} MiB written to a client that reads nothing`);
});

test('a client that never reads a 32 MiB Response: the connection is dropped at requestTimeout', { timeout: 30_000 }, async (t) => {
  const { app } = streamingApp(0);
  const { site } = await serve(t, app, { requestTimeout: 1, headersTimeout: 1 });
  const closes = serverCloses(site);
  const sock = connect(site.port, '127.0.0.1');
  t.after(() => sock.destroy());
  sock.pause();
  sock.write('GET /whole HTTP/1.1\r\nHost: x\r\n\r\n');
  await closes.until(1);
  assert.equal(closes.count(), 1);
});

test('a download that pauses shorter than requestTimeout is never cut, however long it takes', { timeout: 60_000 }, async (t) => {
  const total = 64 * MiB;
  const { app, state } = streamingApp(total);
  const { site } = await serve(t, app, { requestTimeout: 1, headersTimeout: 1 });
  const sock = connect(site.port, '127.0.0.1');
  t.after(() => sock.destroy());
  let got = 0;
  let pauses = 0;
  const done = new Promise<string>((resolve) => {
    sock.on('close', () => resolve('closed'));
    sock.on('data', (d: Buffer) => {
      got += d.length;
      // Head plus body: the whole answer arrived.
      if (got > total) resolve('complete');
      if (sock.isPaused()) return;
      // Read for a moment, then stop reading for 0.4 s: the server's send stalls, but never for the whole second.
      setTimeout(() => {
        sock.pause();
        pauses++;
        setTimeout(() => sock.resume(), 400);
      }, 5);
    });
  });
  sock.write('GET /big HTTP/1.1\r\nHost: x\r\n\r\n');
  assert.equal(await done, 'complete');
  for (let i = 0; i < 100 && state.ended === ''; i++) await new Promise((r) => setTimeout(r, 20));
  assert.equal(state.ended, 'complete');
  // It took longer than requestTimeout: only silence is limited, not the transfer.
  assert.ok(pauses >= 3, `only ${pauses} pauses: the test proves nothing`);
});
