/**
 * Fastify 5 with @fastify/static under /static, its defaults, logger off.
 * @module
 */
import fastifyStatic from '@fastify/static';
import Fastify from 'fastify';
import { BACKLOG, HOST, PORT, STATIC_DIR, announce } from './env.js';

const app = Fastify({ logger: false });
await app.register(fastifyStatic, { root: STATIC_DIR, prefix: '/static/' });
await app.listen({ host: HOST, port: PORT, backlog: BACKLOG });
announce('fastify-static');
