#!/usr/bin/env node
// The aiots command. Each subcommand lives in its own module, loaded on use,
// and exports `main(argv: string[]): Promise<number>` (the exit code).

const COMMANDS: Record<string, { module: string; summary: string }> = {
  serve: { module: './serve.js', summary: 'serve an Application: aiots serve module:app [--host H] [--port P]' },
  wget: { module: './wget.js', summary: 'fetch the response headers of many URLs at once: aiots wget URL...' },
};

function usage(): string {
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(8)}${c.summary}`);
  return `usage: aiots <command> [args]\n\ncommands:\n${lines.join('\n')}`;
}

const [cmd, ...rest] = process.argv.slice(2);
if (cmd === undefined || cmd === '--help' || cmd === '-h') {
  console.log(usage());
} else {
  const entry = COMMANDS[cmd];
  if (entry === undefined) {
    console.error(`aiots: unknown command ${JSON.stringify(cmd)}\n${usage()}`);
    process.exitCode = 2;
  } else {
    const mod = (await import(entry.module)) as { main: (argv: string[]) => Promise<number> };
    process.exitCode = await mod.main(rest);
  }
}
