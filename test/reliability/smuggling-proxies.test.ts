/**
 * Smuggling through real front ends (issue 15): aiots behind Debian's nginx,
 * HAProxy and Varnish, each started here on loopback with upstream
 * keep-alive (the connection reuse that makes smuggling possible). Every
 * payload of smuggling-payloads.ts is sent to the front end on one
 * connection, followed by a normal request, in one write and again in two;
 * then a health check goes through on a new connection.
 *
 * The differential check, as HTTP Garden does it: the front end stamps each
 * request it forwards with an id of its own (`X-Front-Id`), and aiots records
 * every request that reaches its handlers. A request the front end did not
 * see as a request of its own (one hidden in a body and split off by aiots)
 * arrives without a stamp, or with a stamp already used. So:
 * - every request the handlers see carries a stamp, and no stamp twice;
 * - no handler ever sees `/smuggled-<n>`, except where the front end itself
 *   split it off as a request of its own (stamped; a lenient reading of an
 *   invalid message, then sent to aiots re-framed), listed per front end in
 *   SPLIT_BY_FRONT_END;
 * - each conversation ends (the front end answers or closes), the front
 *   end and aiots keep serving after each payload, and aiots logs no error.
 * A control test runs a naive front end that forwards bytes verbatim, to show
 * that the check catches a request hidden past the front end.
 * Each front end is skipped, saying why, only when its binary is missing.
 *
 * SMUGGLING_REPORT=1 prints a markdown table of what each front end answered
 * (the source of the table in docs/reliability.md).
 */
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { createConnection, createServer, type Socket } from 'node:net';
import { once } from 'node:events';
import { setTimeout as delay } from 'node:timers/promises';
import { describe, test, type TestContext } from 'node:test';
import { AppRunner, Application, Response, TCPSite, type Middleware } from '../../src/web/index.js';
import {
  frontEndMissing, frontEndVersion, makePrefix, startHaproxy, startNginx, startVarnish, type FrontEndKind,
} from '../helpers/front-ends.js';
import { PAYLOADS, type SmugglingPayload } from './smuggling-payloads.js';

/** What reached an aiots handler. */
interface Seen { readonly method: string; readonly path: string; readonly stamp: string | null }

/** The fate of one payload at one front end. */
interface Outcome {
  readonly payload: SmugglingPayload;
  /** What came back on the client's connection: status codes in order, `HTTP/0.9` (a body without a status line) or `closed`. */
  readonly answer: string;
  /** Whether our guard, not the front end, ended the conversation. */
  readonly hung: boolean;
  /** Whether the payload and the follow-up went in separate writes. */
  readonly split: boolean;
  /** Whether the outer request (`/c/<index>`) reached a handler. */
  readonly forwarded: boolean;
  /** Status of the health check sent right after, on a new connection. */
  readonly health: number;
}

/**
 * Payloads whose inner request a front end splits off itself (so it reaches
 * aiots stamped, as a request the front end saw): each is a lenient reading
 * of an invalid message, observed on Debian 12's versions.
 */
const SPLIT_BY_FRONT_END: Record<FrontEndKind, readonly string[]> = {
  // ignore_invalid_headers (on by default) drops `Transfer-` and `Content-Length\x85`: the message has no body.
  nginx: ['te-split-name/te.cl', 'cl-nel-name', 'chunk-size-space', 'chunk-data-bare-lf'],
  haproxy: ['chunk-size-space', 'chunk-data-bare-lf'],
  varnish: ['chunk-size-space', 'chunk-data-bare-lf'],
};

const FOLLOW_UP = 'GET /after HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n';
/** Payloads in flight at once at each front end. */
const PARALLEL = 6;
/** A hang guard: the front ends' own timeouts (2 s) end a stalled conversation well before. */
const CONVERSATION_GUARD_MS = 15_000;

/** The payload with its outer request sent to `/c/<index>` and its inner one to `/smuggled-<index>` (or `/pipelined-<index>`). */
function tagged(p: SmugglingPayload, index: number): Buffer {
  const target = /^[A-Z]+ \/(?=[ \n])/.exec(p.bytes);
  assert.ok(target, `${p.name}: the outer request line targets /`);
  // The same width as `-00`: no Content-Length or chunk size changes.
  const inner = p.bytes.slice(target[0].length).replace(/\/(smuggled|pipelined)-00/g, `/$1-${index.toString(36).padStart(2, '0')}`);
  return Buffer.from(`${target[0]}c/${index}${inner}`, 'latin1');
}

/**
 * Sends `bytes` then the follow-up on one connection, in one write or (split)
 * the follow-up once the first answer bytes arrive or after 100 ms, since a
 * front end may frame what arrives together differently; resolves with what
 * came back once the front end closes.
 */
function converse(port: number, bytes: Buffer, split = false): Promise<{ answer: string; hung: boolean }> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    const chunks: Buffer[] = [];
    let hung = false;
    const guard = setTimeout(() => {
      hung = true;
      socket.destroy();
    }, CONVERSATION_GUARD_MS);
    const followUp = Buffer.from(FOLLOW_UP, 'latin1');
    let pending: NodeJS.Timeout | undefined;
    const sendFollowUp = (): void => {
      clearTimeout(pending);
      if (pending !== undefined && socket.writable) socket.write(followUp);
      pending = undefined;
    };
    socket.on('data', (b: Buffer) => {
      chunks.push(b);
      sendFollowUp();
    });
    socket.on('error', () => { /* a reset is a close: what came before tells the fate */ });
    socket.on('close', () => {
      clearTimeout(guard);
      clearTimeout(pending);
      const text = Buffer.concat(chunks).toString('latin1');
      // The handler's bodies end with a bare LF, so a status line may follow one.
      const statuses = [...text.matchAll(/(?:^|\n)HTTP\/1\.[01] (\d{3})/g)].map((m) => m[1]);
      resolve({ answer: statuses.length > 0 ? statuses.join(' ') : text.length > 0 ? 'HTTP/0.9' : 'closed', hung });
    });
    if (split) {
      socket.write(bytes);
      pending = setTimeout(sendFollowUp, 100);
    } else {
      socket.write(Buffer.concat([bytes, followUp]));
    }
  });
}

function health(port: number): Promise<number> {
  return new Promise((resolve) => {
    const req = httpRequest({ host: '127.0.0.1', port, path: '/health', agent: false, timeout: CONVERSATION_GUARD_MS }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', () => resolve(0));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(0));
    req.end();
  });
}

/** aiots on 127.0.0.1:0, recording every request that reaches the application (404s included). */
async function startAiots(t: TestContext): Promise<{ port: number; seen: Seen[]; errors: string[] }> {
  const seen: Seen[] = [];
  const errors: string[] = [];
  const record: Middleware = (request, handler) => {
    seen.push({ method: request.method, path: request.rawPath, stamp: request.headers.get('x-front-id') ?? null });
    return handler(request);
  };
  const app = new Application({ middlewares: [record] });
  app.router.addRoute('*', '/{tail:.*}', async (request) => {
    // Read the whole body, so the connection's framing is aiots's to decide.
    const body = await request.read();
    return new Response({ text: `${request.method} ${request.rawPath} ${body.length}\n` });
  });
  const runner = new AppRunner(app, { accessLog: null, errorLog: (message, error) => errors.push(`${message}: ${String(error)}`) });
  await runner.setup();
  t.after(() => runner.cleanup());
  const site = new TCPSite(runner, '127.0.0.1', 0);
  await site.start();
  return { port: site.port, seen, errors };
}

async function startFrontEnd(t: TestContext, kind: FrontEndKind, upstream: number): Promise<number> {
  const dir = await makePrefix(t, kind);
  switch (kind) {
    case 'nginx':
      return startNginx(t, dir, `127.0.0.1:${upstream}`, {
        // Short client timeouts: a payload the front end waits on ends in 2 s, not 60.
        http: '  client_header_timeout 2s;\n  client_body_timeout 2s;\n  keepalive_timeout 2s;',
        location: '      proxy_set_header X-Front-Id $request_id;',
      });
    case 'haproxy':
      return startHaproxy(t, dir, `127.0.0.1:${upstream}`, '  http-request set-header X-Front-Id %[uuid]');
    case 'varnish':
      return startVarnish(t, dir, { host: '127.0.0.1', port: upstream }, '  set req.http.X-Front-Id = req.xid;');
  }
}

/**
 * Runs every payload through the front end twice (in one write, then split;
 * the split ones tagged from `PAYLOADS.length` on), `PARALLEL` at a time,
 * each followed by a health check.
 */
async function runPayloads(port: number, seen: Seen[]): Promise<Outcome[]> {
  const outcomes: Outcome[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let i = next++; i < 2 * PAYLOADS.length; i = next++) {
      const payload = PAYLOADS[i % PAYLOADS.length]!;
      const split = i >= PAYLOADS.length;
      const { answer, hung } = await converse(port, tagged(payload, i), split);
      const h = await health(port);
      outcomes[i] = { payload, answer, hung, split, forwarded: seen.some((s) => s.path === `/c/${i}`), health: h };
    }
  };
  await Promise.all(Array.from({ length: PARALLEL }, worker));
  return outcomes;
}

/** The name of the payload a tagged path belongs to. */
function caseOf(path: string): string {
  const inner = /^\/(?:smuggled|pipelined)-([0-9a-z]{2})/.exec(path);
  const outer = /^\/c\/(\d+)/.exec(path);
  const index = inner !== null ? parseInt(inner[1]!, 36) : outer !== null ? Number(outer[1]) : -1;
  return PAYLOADS[index % PAYLOADS.length]?.name ?? path;
}

/** Requests the handlers saw that the front end did not stamp as its own, or stamped twice. */
function unstamped(seen: readonly Seen[]): Seen[] {
  const counts = new Map<string, number>();
  for (const s of seen) if (s.stamp !== null) counts.set(s.stamp, (counts.get(s.stamp) ?? 0) + 1);
  return seen.filter((s) => s.stamp === null || s.stamp === '' || (counts.get(s.stamp) ?? 0) > 1);
}

const KINDS: readonly FrontEndKind[] = ['nginx', 'haproxy', 'varnish'];

interface Result { readonly outcomes: Outcome[]; readonly seen: Seen[]; readonly version: string }
const results = new Map<FrontEndKind, Result>();

// The three front ends at once: each waits mostly on its own 2 s timeouts.
void describe('smuggling through real front ends', { concurrency: true }, () => {
  for (const kind of KINDS) {
    const title = `${kind}: ${PAYLOADS.length} payloads, in one write and split; nothing reaches aiots that ${kind} did not forward as a request; both keep serving`;
    void test(title, { skip: frontEndMissing(kind) }, async (t) => {
      const aiots = await startAiots(t);
      const port = await startFrontEnd(t, kind, aiots.port);
      assert.equal(await health(port), 200, `${kind} → aiots answers before the payloads`);
      assert.ok(aiots.seen.at(-1)?.stamp, `${kind} stamps what it forwards`);

      const outcomes = await runPayloads(port, aiots.seen);
      // A request hidden behind a payload would be handled on the next use of the upstream connection: give it that use.
      for (let i = 0; i < 3; i++) assert.equal(await health(port), 200);
      await delay(100);
      results.set(kind, { outcomes, seen: [...aiots.seen], version: frontEndVersion(kind) });

      const foreign = unstamped(aiots.seen).map((s) => `${s.method} ${s.path} (${caseOf(s.path)})`);
      assert.deepEqual(foreign, [], `${kind}: requests reached a handler that ${kind} did not forward as requests`);
      const split = aiots.seen.filter((s) => s.path.startsWith('/smuggled')).map((s) => caseOf(s.path));
      assert.deepEqual(split.filter((name) => !SPLIT_BY_FRONT_END[kind].includes(name)), [],
        `${kind}: requests to /smuggled reached a handler (stamped: ${kind} split them off itself)`);
      const label = (o: Outcome): string => `${o.payload.name}${o.split ? ' (split)' : ''}`;
      assert.deepEqual(outcomes.filter((o) => o.hung).map(label), [], `${kind} neither answered nor closed`);
      assert.deepEqual(outcomes.filter((o) => o.health !== 200).map((o) => `${label(o)}: health ${o.health}`), [],
        `${kind} + aiots stopped serving`);
      // A client's broken request, even when the front end gave up on it halfway through the body, is no server error.
      assert.deepEqual(aiots.errors, [], 'aiots logged errors');
    });
  }

  void test('control: a naive front end that forwards bytes verbatim lets a request past it, and the check sees it', async (t) => {
    const aiots = await startAiots(t);
    // Stamps the first request line it sees on a connection, then pipes the rest untouched.
    const naive = createServer((client: Socket) => {
      const upstream = createConnection({ host: '127.0.0.1', port: aiots.port });
      let first = true;
      client.on('data', (b: Buffer) => {
        const text = b.toString('latin1');
        const eol = text.indexOf('\r\n');
        upstream.write(first && eol > 0 ? Buffer.from(`${text.slice(0, eol)}\r\nX-Front-Id: naive${text.slice(eol)}`, 'latin1') : b);
        first = false;
      });
      upstream.pipe(client);
      client.on('error', () => upstream.destroy());
      upstream.on('error', () => client.destroy());
      client.on('close', () => upstream.destroy());
    });
    naive.listen(0, '127.0.0.1');
    await once(naive, 'listening');
    t.after(() => new Promise<void>((resolve) => naive.close(() => resolve())));
    const index = PAYLOADS.findIndex((p) => p.name === 'cl-0-then-request');
    await converse((naive.address() as { port: number }).port, tagged(PAYLOADS[index]!, index));
    assert.deepEqual(unstamped(aiots.seen).map((s) => s.path), [`/pipelined-${index.toString(36).padStart(2, '0')}`, '/after']);
  });
});

/** A cell of the docs table: what the front end answered, whether it forwarded, what reached aiots of the inner request. */
function cell(r: Result, i: number): string {
  const o = r.outcomes[i]!;
  const id = i.toString(36).padStart(2, '0');
  const inner = r.seen.filter((s) => new RegExp(`^/(smuggled|pipelined)-${id}`).test(s.path));
  const notes = [o.answer, ...o.forwarded ? ['fwd'] : []];
  for (const s of inner) notes.push(s.stamp === null ? 'SMUGGLED' : s.path.startsWith('/smuggled') ? 'split by front end' : 'pipelined');
  return notes.join(', ');
}

process.on('exit', () => {
  if (process.env.SMUGGLING_REPORT !== '1' || results.size === 0) return;
  const kinds = KINDS.filter((k) => results.has(k));
  const lines = [`| payload | source | ${kinds.map((k) => results.get(k)!.version).join(' | ')} |`, `|---|---|${kinds.map(() => '---|').join('')}`];
  PAYLOADS.forEach((p, i) => lines.push(`| ${p.name} | ${p.source} | ${kinds.map((k) => cell(results.get(k)!, i)).join(' | ')} |`));
  for (const k of kinds) {
    const r = results.get(k)!;
    // Per delivery: in one write, then split.
    const both = (f: (o: Outcome) => boolean): string => [false, true].map((split) => r.outcomes.filter((o) => o.split === split && f(o)).length).join(' / ');
    const splitOff = [false, true].map((split) => r.seen.filter((s) => {
      const m = /^\/smuggled-([0-9a-z]{2})/.exec(s.path);
      return m !== null && (parseInt(m[1]!, 36) >= PAYLOADS.length) === split;
    }).length).join(' / ');
    lines.push('', `${r.version}: ${PAYLOADS.length} payloads, in one write / split: answered by the front end alone ${both((o) => !o.forwarded)}; `
    + `forwarded ${both((o) => o.forwarded)}; split by the front end ${splitOff}; smuggled ${unstamped(r.seen).length} in all; requests handled ${r.seen.length}`);
    const differ = PAYLOADS.flatMap((p, i) => {
      const [one, split] = [r.outcomes[i]!, r.outcomes[i + PAYLOADS.length]!];
      return one.answer === split.answer && one.forwarded === split.forwarded ? []
        : [`${p.name} (${one.answer}${one.forwarded ? ', fwd' : ''} → ${split.answer}${split.forwarded ? ', fwd' : ''})`];
    });
    lines.push(`answered otherwise when split: ${differ.length === 0 ? 'none' : differ.join('; ')}`);
  }
  process.stdout.write(`\n${lines.join('\n')}\n`);
});
