// `monitor-odata query <url-or-set>`: one OData query against any Monitor Service (this one,
// Citrix Cloud, on-premises) through the client library, every next link followed, the rows
// written as JSON, NDJSON or CSV to stdout or a file, one page in memory at a time.
import { Command, InvalidArgumentError, Option } from 'commander';
import { appendQueryOptions, isAbsoluteUrl, MonitorClient, systemQueryEntries, type SystemQueryOptions } from '../client/index.js';
import { describeFailure, reportRetry } from './output/client-notices.js';
import { outputSink } from './output/output-sink.js';
import { queryProgress } from './output/query-progress.js';
import { OUTPUT_FORMATS, rowWriter, type OutputFormat } from './output/row-writers.js';

export const DEFAULT_BASE_URL = 'http://127.0.0.1:8080/monitorodata';

export interface QueryCommandOptions extends SystemQueryOptions {
  readonly format: OutputFormat;
  readonly out?: string;
  readonly baseUrl: string;
  readonly customer?: string;
  readonly clientId?: string;
  readonly clientSecret?: string;
  readonly token?: string;
}

function nonNegativeInteger(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n)) throw new InvalidArgumentError('a non-negative integer');
  return n;
}

/** The URL or path to ask for: the target with the options appended to its own query string. */
export function queryTarget(target: string, options: SystemQueryOptions): string {
  return appendQueryOptions(target, systemQueryEntries(options));
}

/** The service root: given, or for an absolute URL without one, that URL's origin (which is where its token endpoint is). */
function serviceRoot(target: string, options: QueryCommandOptions, baseUrlGiven: boolean): string {
  return isAbsoluteUrl(target) && !baseUrlGiven ? new URL(target).origin : options.baseUrl;
}

export async function runQuery(target: string, options: QueryCommandOptions, baseUrlGiven: boolean): Promise<void> {
  if ((options.clientId === undefined) !== (options.clientSecret === undefined)) throw new Error('--client-id and --client-secret go together');
  const interactive = process.stderr.isTTY === true;
  const client = new MonitorClient({
    baseUrl: serviceRoot(target, options, baseUrlGiven),
    customerId: options.customer,
    clientId: options.clientId,
    clientSecret: options.clientSecret,
    token: options.token,
    userAgent: 'monitor-odata-cli',
    onRetry: interactive ? reportRetry : undefined,
  });
  const writer = rowWriter(options.format);
  const sink = outputSink(options.out);
  // On a terminal, unless the rows go to it too.
  const progress = queryProgress(interactive && (options.out !== undefined || !process.stdout.isTTY));
  try {
    for await (const page of client.pages(queryTarget(target, options))) {
      progress.page(page.value.length, page.count);
      await sink.write(writer.page(page));
    }
    await sink.write(writer.end());
  } finally {
    progress.stop();
    await sink.close();
  }
}

export function queryCommand(): Command {
  return new Command('query')
    .description('run an OData query against a Monitor Service (this one, Citrix Cloud or on-premises), follow every next link and write the rows')
    .argument('<url-or-set>', 'an entity set (Machines), a path with a query (Machines?$top=3) below --base-url, or an absolute URL')
    .option('--filter <expression>', '$filter')
    .option('--select <properties>', '$select, comma-separated')
    .option('--expand <navigations>', '$expand, e.g. DesktopGroup($select=Name)')
    .option('--orderby <clauses>', '$orderby, e.g. "Name desc"')
    .option('--apply <transformations>', '$apply, e.g. "groupby((DesktopGroupId),aggregate($count as Machines))"')
    .option('--compute <expressions>', '$compute')
    .option('--top <n>', '$top: at most this many rows in all', nonNegativeInteger)
    .option('--skip <n>', '$skip', nonNegativeInteger)
    .option('--count', '$count=true: the JSON output carries @odata.count, the progress bar a total')
    .addOption(new Option('--format <format>', 'json (one document), ndjson (a row a line) or csv').choices(OUTPUT_FORMATS).default('json'))
    .option('--out <file>', 'write the rows to this file (default: stdout)')
    .addOption(new Option('--base-url <url>', 'the service root').env('MONITOR_ODATA_URL').default(DEFAULT_BASE_URL))
    .addOption(new Option('--customer <id>', 'customer id (Citrix-CustomerId header; the token endpoint is /cctrustoauth2/<id>)').env('MONITOR_ODATA_CUSTOMER'))
    .addOption(new Option('--client-id <id>', 'API client id: tokens are fetched and renewed with it').env('MONITOR_ODATA_CLIENT_ID'))
    .addOption(new Option('--client-secret <secret>', 'API client secret').env('MONITOR_ODATA_CLIENT_SECRET'))
    .addOption(new Option('--token <token>', 'a bearer token to send as is').env('MONITOR_ODATA_TOKEN'))
    .action(async (target: string, options: QueryCommandOptions, command: Command) => {
      try {
        await runQuery(target, options, command.getOptionValueSource('baseUrl') !== 'default');
      } catch (error) {
        command.error(`error: ${describeFailure(error)}`, { exitCode: 1 });
      }
    });
}
