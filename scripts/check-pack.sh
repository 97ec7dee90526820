#!/usr/bin/env bash
# `npm pack` must give a package that another project installs and imports
# with full types: pack, install into a temp project, type-check and run.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
tarball="$(cd "$root" && npm pack --silent --pack-destination "$tmp" | tail -n 1)"
cd "$tmp"
cat > package.json <<'JSON'
{ "name": "aiots-consumer", "private": true, "type": "module" }
JSON
npm install --no-fund --no-audit --silent "./$tarball" "typescript@$(node -p "require('$root/node_modules/typescript/package.json').version")" "@types/node@$(node -p "require('$root/node_modules/@types/node/package.json').version")" >/dev/null
cat > tsconfig.json <<'JSON'
{ "compilerOptions": { "target": "ES2022", "module": "NodeNext", "moduleResolution": "NodeNext", "strict": true, "outDir": "out", "types": ["node"] } }
JSON
cat > consumer.ts <<'TS'
import { createTask, sleep, TaskGroup, Queue, type Task } from 'aiots';
import * as web from 'aiots/web';
import * as client from 'aiots/client';
import * as testing from 'aiots/test';
const t: Task<number> = createTask(async () => { await sleep(0.01); return 42; });
const q = new Queue<string>(1);
await q.put('x');
const n: number = await t;
await TaskGroup.run(async (tg) => { tg.createTask(() => q.get()); });
console.log('ok', n, typeof web, typeof client, typeof testing);
TS
# The @ts-expect-error must hold, proving the types are really checked.
cat > wrong.ts <<'TS'
import { createTask, type Task } from 'aiots';
// @ts-expect-error a Task<number> is not a Task<string>
const t: Task<string> = createTask(async () => 1);
void t;
TS
npx --no-install tsc -p .
node out/consumer.js
test -x node_modules/.bin/aiots && node_modules/.bin/aiots --help >/dev/null
echo "pack check: ok ($tarball)"
