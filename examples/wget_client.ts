// The seed's wget, written with ClientSession and gather: fetch many URLs at
// once, at most --limit at a time, each within --timeout seconds, and print
// each response's headers as the seed does.
//   node --import tsx examples/wget_client.ts [--limit 3] [--timeout 10] URL...
// Without URLs it fetches the seed's three hosts.
import { parseArgs } from 'node:util';
import { gather, run } from 'aiots';
import { ClientSession, ClientTimeout, TCPConnector } from 'aiots/client';

const { values: opts, positionals } = parseArgs({
  allowPositionals: true,
  options: { limit: { type: 'string', default: '3' }, timeout: { type: 'string', default: '10' } },
});
const urls = positionals.length > 0 ? positionals : ['http://www.sina.com.cn/', 'http://www.sohu.com/', 'http://www.163.com/'];

async function wget(session: ClientSession, url: string) {
  console.log(`wget ${url}...`);
  await using resp = await session.get(url); // leaving the block releases the body: we only want the headers
  console.log(`${url} header > HTTP/1.1 ${resp.status} ${resp.reason}`);
  for (const [name, value] of resp.headers) console.log(`${url} header > ${name}: ${value}`);
  return resp.status;
}

await run(async () => {
  // The connector's limit is the concurrency cap: requests past it wait for a free connection.
  await using session = new ClientSession({
    connector: new TCPConnector({ limit: Number(opts.limit) }),
    timeout: new ClientTimeout({ total: Number(opts.timeout) }),
  });
  const results = await gather(...urls.map((url) => () => wget(session, url)), { returnExceptions: true });
  urls.forEach((url, i) => {
    const r = results[i];
    console.log(r instanceof Error ? `${url} failed: ${r.name}: ${r.message}` : `${url} done: ${String(r)}`);
  });
});
