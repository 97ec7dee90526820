// llhttp's request corpus against a running aiots server (see llhttp-cases.ts).
import { after, before, test } from 'node:test';
import { LLHTTP_CASES } from './llhttp-cases.js';
import { runCase, startCorpusServer, type CorpusServer } from './raw-harness.js';

let srv: CorpusServer;
before(async () => {
  srv = await startCorpusServer();
});
after(() => srv.close());

for (const c of LLHTTP_CASES) test(c.source, () => runCase(srv, c));
