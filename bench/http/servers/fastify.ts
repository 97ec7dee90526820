/**
 * Fastify 5, idiomatic: async handlers returning the body, logger off.
 * @module
 */
import Fastify from 'fastify';
import { setTimeout as delay } from 'node:timers/promises';
import { BACKLOG, CONTENT_TYPE, HOST, INDEX, PORT, SLEEP_MS, announce, hello } from './env.js';

const app = Fastify({ logger: false });

app.get('/', async (_request, reply) => {
  if (SLEEP_MS > 0) await delay(SLEEP_MS);
  void reply.type(CONTENT_TYPE);
  return INDEX;
});

app.get<{ Params: { name: string } }>('/hello/:name', async (request, reply) => {
  if (SLEEP_MS > 0) await delay(SLEEP_MS);
  void reply.type(CONTENT_TYPE);
  return hello(request.params.name);
});

await app.listen({ host: HOST, port: PORT, backlog: BACKLOG });
announce('fastify');
