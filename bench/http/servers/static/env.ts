/**
 * What the static-file servers share: where to listen and the folder they
 * serve under `/static` (STATIC_DIR, written by http/static.ts).
 * @module
 */
export { BACKLOG, HOST, PORT, announce } from '../env.js';

/** The folder to serve. */
export const STATIC_DIR = process.env.STATIC_DIR ?? '';
if (STATIC_DIR === '') throw new Error('bench static server: set STATIC_DIR');
