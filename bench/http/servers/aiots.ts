/**
 * aiots/web, the seed's server: `addRoute('GET', '/hello/{name}', hello)`,
 * handlers that `await sleep(SLEEP)` with aiots's own sleep, `runApp` with
 * the access log off (as every peer here runs without one).
 * @module
 */
import { sleep } from '../../../src/index.js';
import * as web from '../../../src/web/index.js';
import { BACKLOG, HOST, INDEX, PORT, SLEEP, hello as helloBody } from './env.js';

async function index(_request: web.Request): Promise<web.Response> {
  if (SLEEP > 0) await sleep(SLEEP);
  return new web.Response({ text: INDEX, contentType: 'text/html' });
}

async function hello(request: web.Request): Promise<web.Response> {
  if (SLEEP > 0) await sleep(SLEEP);
  return new web.Response({ text: helloBody(request.matchInfo.name!), contentType: 'text/html' });
}

const app = new web.Application();
app.router.addRoute('GET', '/', index);
app.router.addRoute('GET', '/hello/{name}', hello);
web.runApp(app, { host: HOST, port: PORT, backlog: BACKLOG, accessLog: null });
