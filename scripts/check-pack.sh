#!/usr/bin/env bash
# `npm pack` must give a package that another project installs and imports
# with full types: pack, install into a temp project, type-check and run.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
tarball="$(cd "$root" && npm pack --silent --pack-destination "$tmp" | tail -n 1)"
cd "$tmp"

# What the tarball holds: dist/ and src/ and README, nothing of test/ or bench/,
# and every file a source map or declaration map names is in it (so stack
# traces and go-to-definition land on files that were shipped).
tar -tzf "$tarball" | sed 's|^package/||' | sort > contents.txt
if grep -Ev '^(dist/|src/|README\.md$|package\.json$|LICENSE)' contents.txt; then
  echo "pack check: unexpected files in the package (above)" >&2; exit 1
fi
for need in dist/index.js dist/index.d.ts dist/web/index.js src/index.ts src/web/request.ts; do
  grep -qx "$need" contents.txt || { echo "pack check: $need missing from the package" >&2; exit 1; }
done
mkdir unpacked && tar -xzf "$tarball" -C unpacked
node -e '
  const fs = require("node:fs"), path = require("node:path");
  const root = "unpacked/package";
  const files = new Set(fs.readFileSync("contents.txt", "utf8").split("\n").filter(Boolean));
  let maps = 0, bad = [];
  for (const f of files) {
    if (!f.endsWith(".map")) continue;
    maps++;
    const m = JSON.parse(fs.readFileSync(path.join(root, f), "utf8"));
    for (const s of m.sources) {
      const rel = path.posix.normalize(path.posix.join(path.posix.dirname(f), m.sourceRoot || "", s));
      if (!files.has(rel)) bad.push(f + " -> " + rel);
    }
  }
  if (maps === 0) { console.error("pack check: no source maps in the package"); process.exit(1); }
  if (bad.length) { console.error("pack check: maps name files not in the package:\n" + bad.join("\n")); process.exit(1); }
'
rm -rf unpacked
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
# TypeScript 7 (6 too) loads no @types package its tsconfig does not list:
# aiots's declarations must pull in @types/node by themselves, so a tsconfig
# without "types" (TypeScript 7's default, []) must type-check as well.
npm install --prefix ts7 --no-fund --no-audit --silent typescript@7 >/dev/null
cat > tsconfig.ts7.json <<'JSON'
{ "compilerOptions": { "target": "ES2022", "module": "NodeNext", "moduleResolution": "NodeNext", "strict": true, "noEmit": true }, "include": ["consumer.ts", "wrong.ts"] }
JSON
ts7/node_modules/.bin/tsc -p tsconfig.ts7.json || { echo "pack check: TypeScript $(ts7/node_modules/.bin/tsc --version) rejects the package's declarations without \"types\": [\"node\"]" >&2; exit 1; }
# A stack trace through aiots points at a shipped .ts file.
cat > trace.mjs <<'JS'
import { Semaphore } from 'aiots';
try { new Semaphore(-1); } catch (e) { console.log(e.stack); }
JS
stack="$(node --enable-source-maps trace.mjs)"
file="$(printf '%s\n' "$stack" | grep -o 'node_modules/aiots/src/[^:]*\.ts' | head -n 1)"
[ -n "$file" ] && [ -f "$file" ] || { echo "pack check: stack trace does not point at a shipped source file:" >&2; echo "$stack" >&2; exit 1; }
test -x node_modules/.bin/aiots && node_modules/.bin/aiots --help >/dev/null
echo "pack check: ok ($tarball)"
