/**
 * Fastify 5 with `@fastify/compress` (global) serving the same 100 KiB JSON
 * body, and its loop delay at /stats.
 * @module
 */
import Fastify from 'fastify';
import compress from '@fastify/compress';
import { JSON_BODY, loopDelayStats } from './compress-body.js';
import { HOST, PORT } from './env.js';

const app = Fastify({ logger: false });
await app.register(compress, { global: true });
app.get('/json', async (_request, reply) => {
  void reply.type('application/json');
  return JSON_BODY;
});
app.get('/stats', async (_request, reply) => {
  void reply.type('application/octet-stream');
  return loopDelayStats();
});
await app.listen({ host: HOST, port: PORT });
