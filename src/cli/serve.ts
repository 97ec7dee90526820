/**
 * `aiots serve module:app [--host H] [--port P] [--path SOCK] [--ssl-cert F --ssl-key F]`: serve an
 * Application from a module, as `python -m aiohttp.web`. `app` names an
 * export that is an Application, or a function of the remaining arguments
 * returning one (aiohttp's init function).
 * @module
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { Application } from '../web/application.js';
import { serveApp } from '../web/run-app.js';
import { isTypeScriptFile, prepareTypeScript } from './ts-loader.js';

const USAGE = `usage: aiots serve [--host H] [--port P] [--path SOCK] [--ssl-cert FILE --ssl-key FILE] module:app [args...]

Serve the Application exported as "app" by "module" (a file path or a
package name). If the export is a function, it is called with the args
after module:app (options included, passed on as they are) and must return
an Application (or a promise of one). A .ts module is loaded with the
project's tsx when it is installed, else with Node's type stripping where
it is on (Node 22.18+, 23.6+).

options:
  -H, --host H      host to listen on (default 0.0.0.0)
  -P, --port P      TCP port (default 8080)
  -U, --path SOCK   Unix socket path
  --ssl-cert FILE   serve HTTPS with this PEM certificate (chain)
  --ssl-key FILE    and this PEM private key (both or neither)
  -h, --help        show this help`;

// The options that take a value, to find where aiots's options end.
const TAKES_VALUE = new Set(['-H', '--host', '-P', '--port', '-U', '--path', '--ssl-cert', '--ssl-key']);

/**
 * aiots's own options, then `module:app` and the app's arguments, which are
 * passed on as they are (`--db x` included), as `python -m aiohttp.web`
 * does; a `--` before the module is accepted too.
 */
function splitAtModule(argv: readonly string[]): [string[], string[]] {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') return [argv.slice(0, i), argv.slice(i + 1)];
    if (TAKES_VALUE.has(a)) i++;
    else if (!a.startsWith('-') || a === '-') return [argv.slice(0, i), argv.slice(i)];
  }
  return [[...argv], []];
}

/** Run the command; resolves to the exit code once the server has shut down. */
export async function main(argv: string[]): Promise<number> {
  const [own, positionals] = splitAtModule(argv);
  let parsed;
  try {
    parsed = parseArgs({
      args: own,
      allowPositionals: false,
      strict: true,
      options: {
        host: { type: 'string', short: 'H' },
        port: { type: 'string', short: 'P' },
        path: { type: 'string', short: 'U' },
        'ssl-cert': { type: 'string' },
        'ssl-key': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (e) {
    console.error(`aiots serve: ${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  const { values } = parsed;
  if (values.help === true) {
    console.log(USAGE);
    return 0;
  }
  const [entry, ...rest] = positionals;
  if (entry === undefined || !entry.includes(':')) {
    console.error(`aiots serve: expected module:app, got ${entry === undefined ? 'nothing' : JSON.stringify(entry)}\n${USAGE}`);
    return 2;
  }
  let port: number | undefined;
  if (values.port !== undefined) {
    port = Number(values.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
      console.error(`aiots serve: --port must be an integer from 0 to 65535, got ${JSON.stringify(values.port)}`);
      return 2;
    }
  }
  let ssl: { cert: Buffer; key: Buffer } | undefined;
  const certFile = values['ssl-cert'];
  const keyFile = values['ssl-key'];
  if ((certFile === undefined) !== (keyFile === undefined)) {
    console.error(`aiots serve: --ssl-cert and --ssl-key go together (got only ${certFile === undefined ? '--ssl-key' : '--ssl-cert'})\n${USAGE}`);
    return 2;
  }
  if (certFile !== undefined && keyFile !== undefined) {
    try {
      ssl = { cert: readFileSync(certFile), key: readFileSync(keyFile) };
    } catch (e) {
      console.error(`aiots serve: cannot read the certificate or key: ${(e as Error).message}`);
      return 1;
    }
  }
  const colon = entry.lastIndexOf(':');
  const modName = entry.slice(0, colon);
  const exportName = entry.slice(colon + 1);
  const isPath = /^\.{0,2}\/|\.[cm]?[jt]sx?$/.test(modName);
  const specifier = isPath ? pathToFileURL(resolve(modName)).href : modName;
  let mod: Record<string, unknown>;
  try {
    if (isPath && isTypeScriptFile(modName)) {
      const problem = await prepareTypeScript(resolve(modName), process.cwd());
      if (problem !== null) {
        console.error(`aiots serve: ${problem}`);
        return 1;
      }
    }
    mod = (await import(specifier)) as Record<string, unknown>;
  } catch (e) {
    console.error(`aiots serve: cannot import ${JSON.stringify(modName)}: ${(e as Error).message}`);
    return 1;
  }
  const target = mod[exportName];
  let app: unknown = target;
  if (typeof target === 'function' && !(target instanceof Application)) app = await (target as (argv: string[]) => unknown)(rest);
  if (!(app instanceof Application)) {
    console.error(`aiots serve: ${modName} export ${JSON.stringify(exportName)} is not an Application (nor a function returning one)`);
    return 1;
  }
  try {
    await serveApp(app, {
      ...(values.host === undefined ? {} : { host: values.host }),
      ...(port === undefined ? {} : { port }),
      ...(values.path === undefined ? {} : { path: values.path }),
      ...(ssl === undefined ? {} : { ssl }),
    });
  } catch (e) {
    console.error(`aiots serve: ${(e as Error).message}`);
    return 1;
  }
  return 0;
}
