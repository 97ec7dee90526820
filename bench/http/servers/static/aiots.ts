/**
 * aiots: `app.router.addStatic('/static', dir)`, its defaults, access log off.
 * @module
 */
import * as web from '../../../../src/web/index.js';
import { BACKLOG, HOST, PORT, STATIC_DIR } from './env.js';

const app = new web.Application();
app.router.addStatic('/static', STATIC_DIR);
web.runApp(app, { host: HOST, port: PORT, backlog: BACKLOG, accessLog: null });
