/**
 * Koa 3 with `@koa/router`.
 * @module
 */
import Router from '@koa/router';
import Koa from 'koa';
import { createServer } from 'node:http';
import { setTimeout as delay } from 'node:timers/promises';
import { BACKLOG, HOST, INDEX, PORT, SLEEP_MS, announce, hello } from './env.js';

const app = new Koa();
const router = new Router();

router.get('/', async (ctx) => {
  if (SLEEP_MS > 0) await delay(SLEEP_MS);
  ctx.type = 'html';
  ctx.body = INDEX;
});

router.get('/hello/:name', async (ctx) => {
  if (SLEEP_MS > 0) await delay(SLEEP_MS);
  ctx.type = 'html';
  ctx.body = hello(ctx.params.name!);
});

app.use(router.routes());
createServer(app.callback()).listen({ host: HOST, port: PORT, backlog: BACKLOG }, () => announce('koa'));
