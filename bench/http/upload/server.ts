/**
 * One upload server for `upload.ts`, run in its own process so its peak RSS
 * is its own: `node --import tsx server.ts <aiots|fastify|busboy> <dir>`.
 * Each streams the one file of a multipart/form-data POST to disk, answers
 * with the bytes written, and removes the file. `GET /stats` gives the
 * process's peak RSS (bytes) and CPU time so far (µs).
 * @module
 */
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { stat, unlink } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import busboy from 'busboy';
import Fastify from 'fastify';
import multipart from '@fastify/multipart';
import * as web from '../../../src/web/index.js';

const [kind, dir] = process.argv.slice(2) as [string, string];
let n = 0;
const dest = (): string => join(dir, `${kind}-${process.pid}-${n++}`);
// Peak RSS in bytes and CPU time in microseconds, so far.
const stats = (): string => {
  const u = process.resourceUsage();
  return JSON.stringify({ rss: u.maxRSS * 1024, cpu: u.userCPUTime + u.systemCPUTime });
};

async function written(path: string): Promise<number> {
  const { size } = await stat(path);
  await unlink(path);
  return size;
}

let port: number;
if (kind === 'aiots') {
  const app = new web.Application();
  app.router.addPost('/upload', async (request) => {
    let size = 0;
    for await (const part of await request.multipart()) {
      if (!(part instanceof web.BodyPartReader) || part.filename === null) continue;
      const path = dest();
      await pipeline(part, createWriteStream(path));
      size += await written(path);
    }
    return new web.Response({ text: String(size) });
  });
  app.router.addGet('/stats', () => new web.Response({ text: stats() }));
  const runner = new web.AppRunner(app, { accessLog: null });
  await runner.setup();
  const site = new web.TCPSite(runner, '127.0.0.1', 0);
  await site.start();
  port = Number(new URL(site.name).port);
} else if (kind === 'fastify') {
  const app = Fastify({ logger: false });
  await app.register(multipart, { limits: { fileSize: Infinity } });
  app.post('/upload', async (request) => {
    let size = 0;
    for await (const part of request.files()) {
      const path = dest();
      await pipeline(part.file, createWriteStream(path));
      size += await written(path);
    }
    return String(size);
  });
  app.get('/stats', async () => stats());
  await app.listen({ host: '127.0.0.1', port: 0 });
  port = (app.server.address() as AddressInfo).port;
} else if (kind === 'busboy') {
  const server = createServer((req, res) => {
    if (req.method === 'GET') {
      res.end(stats());
      return;
    }
    const bb = busboy({ headers: req.headers });
    const files: Promise<number>[] = [];
    bb.on('file', (_name, file) => {
      const path = dest();
      files.push(pipeline(file, createWriteStream(path)).then(() => written(path)));
    });
    bb.on('close', () => {
      void Promise.all(files).then((sizes) => res.end(String(sizes.reduce((a, b) => a + b, 0))));
    });
    req.pipe(bb);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  port = (server.address() as AddressInfo).port;
} else {
  throw new Error(`unknown server ${kind}`);
}
// Exit cleanly on SIGTERM, so that --cpu-prof can write its profile.
process.on('SIGTERM', () => process.exit(0));
process.stdout.write(`${port}\n`);
