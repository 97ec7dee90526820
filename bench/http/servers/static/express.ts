/**
 * Express 5 with serve-static under /static, their defaults.
 * @module
 */
import express from 'express';
import { createServer } from 'node:http';
import serveStatic from 'serve-static';
import { BACKLOG, HOST, PORT, STATIC_DIR, announce } from './env.js';

const app = express();
app.use('/static', serveStatic(STATIC_DIR));
createServer(app).listen({ host: HOST, port: PORT, backlog: BACKLOG }, () => announce('express-serve-static'));
