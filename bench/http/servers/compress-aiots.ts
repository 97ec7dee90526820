/**
 * aiots with `compressionMiddleware()` serving a 100 KiB JSON body (gzip for
 * a client that asks), and its loop delay at /stats.
 * @module
 */
import * as web from '../../../src/web/index.js';
import { JSON_BODY, loopDelayStats } from './compress-body.js';
import { HOST, PORT } from './env.js';

const app = new web.Application({ middlewares: [web.compressionMiddleware()] });
app.router.addGet('/json', () => new web.Response({ text: JSON_BODY, contentType: 'application/json' }));
app.router.addGet('/stats', () => new web.Response({ text: loopDelayStats(), contentType: 'application/octet-stream' }));
web.runApp(app, { host: HOST, port: PORT, accessLog: null, printFn: null });
