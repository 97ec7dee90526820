// The seed's aiohttp server, line for line. Run: npm start
/* eslint-disable @typescript-eslint/no-unused-vars -- the seed's handlers take request and ignore it */
import { sleep } from 'aiots';
import * as web from 'aiots/web'; // as: from aiohttp import web
async function index(request: web.Request) {
  await sleep(0.5);
  return new web.Response({ body: '<h1>Index</h1>', contentType: 'text/html' });
}
async function hello(request: web.Request) {
  await sleep(0.5);
  return new web.Response({ text: `<h1>hello, ${request.matchInfo.name}!</h1>`, contentType: 'text/html' });
}
const app = new web.Application();
app.router.addRoute('GET', '/', index);
app.router.addRoute('GET', '/hello/{name}', hello);
web.runApp(app, { host: '127.0.0.1', port: 8000 }); // prints the address, serves until SIGINT/SIGTERM
