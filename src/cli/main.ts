import { Command } from 'commander';
import { generateCommand } from './generate-command.js';
import { serveCommand } from './serve-command.js';
import { demoCommand } from './demo-command.js';
import { clientsCommand } from './clients-command.js';
import { pruneCommand } from './prune-command.js';
import { queryCommand } from './query-command.js';
import { syncCommand } from './sync-command.js';

const program = new Command('monitor-odata')
  .description('Citrix Monitor Service OData v4 API, self-hosted on DuckDB')
  .showHelpAfterError();

program.addCommand(generateCommand());
program.addCommand(serveCommand());
program.addCommand(demoCommand());
program.addCommand(clientsCommand());
program.addCommand(pruneCommand());
program.addCommand(queryCommand());
program.addCommand(syncCommand());

await program.parseAsync(process.argv);
