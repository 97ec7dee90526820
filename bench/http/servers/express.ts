/**
 * Express 5 with its defaults (ETag, X-Powered-By), as users run it.
 * @module
 */
import express from 'express';
import { createServer } from 'node:http';
import { setTimeout as delay } from 'node:timers/promises';
import { BACKLOG, HOST, INDEX, PORT, SLEEP_MS, announce, hello } from './env.js';

const app = express();

app.get('/', async (_req, res) => {
  if (SLEEP_MS > 0) await delay(SLEEP_MS);
  res.type('html').send(INDEX);
});

app.get('/hello/:name', async (req, res) => {
  if (SLEEP_MS > 0) await delay(SLEEP_MS);
  res.type('html').send(hello(req.params.name!));
});

createServer(app).listen({ host: HOST, port: PORT, backlog: BACKLOG }, () => announce('express'));
