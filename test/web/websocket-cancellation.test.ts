// WebSocketResponse's awaits on the server side cancelled at random points
// (test/helpers/cancel-at-random.ts): nothing uncaught, no listener left
// behind, no message lost, and the connection in a state the peer can see.
import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { test } from 'node:test';
import { WebSocket } from 'ws';
import * as web from '../../src/web/index.js';
import { cancelAtRandom } from '../helpers/cancel-at-random.js';
import { clientFor } from './helpers.js';

interface Arrival {
  readonly request: web.Request;
  readonly ws: web.WebSocketResponse;
  readonly finish: (result: web.HandlerResult) => void;
}

async function server(t: Parameters<typeof clientFor>[0]) {
  let onArrival: ((a: Arrival) => void) | undefined;
  const app = new web.Application();
  const hold = (prepare: boolean) => async (request: web.Request): Promise<web.HandlerResult> => {
    const ws = new web.WebSocketResponse();
    if (prepare) await ws.prepare(request);
    return new Promise<web.HandlerResult>((finish) => onArrival?.({ request, ws, finish }));
  };
  app.router.addGet('/prepare', hold(false));
  app.router.addGet('/receive', hold(true));
  const client = await clientFor(t, app, { accessLog: null });
  const base = client.makeUrl('/').replace(/^http/, 'ws');
  return {
    client,
    base,
    arrival: () => new Promise<Arrival>((resolve) => (onArrival = resolve)),
  };
}

test('prepare() cancelled at random points: the client sees either a WebSocket or the handler\'s answer', async (t) => {
  const { base, arrival, client } = await server(t);
  await cancelAtRandom(async (trial) => {
    const next = arrival();
    const peer = new WebSocket(`${base}prepare`);
    const how = new Promise<string>((resolve) => {
      peer.once('open', () => resolve('open'));
      peer.once('unexpected-response', (_req, res: IncomingMessage) => {
        res.resume();
        resolve(`status ${res.statusCode ?? 0}`);
      });
      peer.once('error', (e) => resolve(`error ${e.message}`));
    });
    const { request, ws, finish } = await next;
    const started = trial.start(() => ws.prepare(request));
    await started.cancelPoint;
    await started.outcome;
    finish(ws.prepared ? ws : new web.Response({ status: 503 }));
    assert.equal(await how, ws.prepared ? 'open' : 'status 503');
    peer.terminate();
  }, { trials: 30 });
  const ws = await client.wsConnect('/receive');
  assert.equal(ws.closed, false);
});

test('receive() cancelled at random points: the message is neither lost nor seen twice', async (t) => {
  const { base, arrival } = await server(t);
  await cancelAtRandom(async (trial) => {
    const next = arrival();
    const peer = new WebSocket(`${base}receive`);
    peer.on('error', () => {});
    await new Promise((resolve) => peer.once('open', resolve));
    const { request, ws, finish } = await next;
    trial.watch(request._req.socket);
    const sendFirst = trial.random() < 0.5;
    if (sendFirst) peer.send('m');
    const started = trial.start(() => ws.receive());
    await started.cancelPoint;
    if (!sendFirst) peer.send('m');
    const outcome = await started.outcome;
    const got: web.WSMessage[] = [];
    if (outcome.status === 'fulfilled') got.push(outcome.value);
    else got.push(await ws.receive({ timeout: 5 }));
    assert.deepEqual(got.map((m) => [m.type, m.data]), [[web.WSMsgType.TEXT, 'm']]);
    const closed = new Promise<number>((resolve) => peer.once('close', resolve));
    finish(ws);
    assert.equal(await closed, 1000);
  }, { trials: 30 });
});
