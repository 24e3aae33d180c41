import { Command } from 'commander';

// Each command's module is loaded only when that command runs: `query` needs the client alone,
// not DuckDB, PostgreSQL and Fastify, which take a second to load. Help lists them all.
const commands: Record<string, () => Promise<Command>> = {
  generate: async () => (await import('./generate-command.js')).generateCommand(),
  serve: async () => (await import('./serve-command.js')).serveCommand(),
  demo: async () => (await import('./demo-command.js')).demoCommand(),
  clients: async () => (await import('./clients-command.js')).clientsCommand(),
  prune: async () => (await import('./prune-command.js')).pruneCommand(),
  query: async () => (await import('./query-command.js')).queryCommand(),
  sync: async () => (await import('./sync-command.js')).syncCommand(),
};

const program = new Command('monitor-odata')
  .description('Citrix Monitor Service OData v4 API, self-hosted on DuckDB or PostgreSQL')
  .showHelpAfterError();

const invoked = process.argv[2];
const load = invoked !== undefined ? commands[invoked] : undefined;
for (const make of load ? [load] : Object.values(commands)) program.addCommand(await make());

await program.parseAsync(process.argv);
