#!/usr/bin/env node
// The aiots command: subcommands land with their issues (serve, wget).
const [cmd] = process.argv.slice(2);
if (cmd === undefined || cmd === '--help' || cmd === '-h') {
  console.log('usage: aiots <command> [args]\n\ncommands:\n  (none yet)');
} else {
  console.error(`aiots: unknown command ${JSON.stringify(cmd)}; try aiots --help`);
  process.exitCode = 2;
}
