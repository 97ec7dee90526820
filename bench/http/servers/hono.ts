/**
 * Hono on `@hono/node-server` (its Node adapter), with `c.html()`.
 * @module
 */
import { createAdaptorServer } from '@hono/node-server';
import { Hono } from 'hono';
import { setTimeout as delay } from 'node:timers/promises';
import { BACKLOG, HOST, INDEX, PORT, SLEEP_MS, announce, hello } from './env.js';

const app = new Hono();

app.get('/', async (c) => {
  if (SLEEP_MS > 0) await delay(SLEEP_MS);
  return c.html(INDEX);
});

app.get('/hello/:name', async (c) => {
  if (SLEEP_MS > 0) await delay(SLEEP_MS);
  return c.html(hello(c.req.param('name')));
});

const server = createAdaptorServer({ fetch: app.fetch });
server.listen({ host: HOST, port: PORT, backlog: BACKLOG }, () => announce('hono'));
