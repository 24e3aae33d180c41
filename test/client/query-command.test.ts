// `monitor-odata query` as a child process against the server over HTTP: CSV, JSON and NDJSON
// hold the same rows as the database, errors exit 1 with the OData message, and nothing but the
// output is written when stderr is not a terminal.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { rowWriter, type OutputFormat } from '../../src/cli/output/row-writers.js';
import { openFleet, type Fleet } from '../support/fleet.js';
import { openServer } from '../support/servers.js';

let fleet: Fleet;
let server: { app: FastifyInstance; baseUrl: string };
let dir: string;

before(async () => {
  fleet = await openFleet({ postgres: false, machines: 12, days: 2 });
  // Several CLI processes run at once: room for all of them.
  server = await openServer(fleet, 8);
  dir = mkdtempSync(join(tmpdir(), 'monitor-odata-query-'));
});

after(async () => {
  await server?.app.close();
  await fleet?.close();
  rmSync(dir, { recursive: true, force: true });
});

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** `monitor-odata query ...` with stdout and stderr piped. */
function cli(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['bin/monitor-odata.js', 'query', ...args],
      { env: { ...process.env, MONITOR_ODATA_URL: server.baseUrl, ...env }, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

/** RFC 4180: records of fields, quoted fields may hold commas, doubled quotes and line breaks. */
function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let field = '';
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === '"' && field === '') {
      for (i++; ; i++) {
        if (text[i] === '"' && text[i + 1] === '"') field += text[i++];
        else if (text[i] === '"') break;
        else if (i >= text.length) throw new Error('unterminated quote');
        else field += text[i];
      }
      i++;
    } else if (c === ',') {
      record.push(field);
      field = '';
      i++;
    } else if (c === '\r' && text[i + 1] === '\n') {
      record.push(field);
      records.push(record);
      record = [];
      field = '';
      i += 2;
    } else {
      field += c;
      i++;
    }
  }
  assert.equal(field + record.join(''), '', 'the last record ends with CRLF');
  return records;
}

/** A JSON value as the CSV writes it into a cell. */
function cell(value: unknown): string {
  if (value === null) return '';
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

async function count(set: string): Promise<number> {
  const [[n]] = await fleet.sql(`SELECT count(*) FROM ${set} WHERE _customer_id = $1`, [fleet.customerId]);
  return Number(n);
}

describe('monitor-odata query', () => {
  test('CSV parses back to the rows of the JSON output, which are the rows of the database', async () => {
    const args = ['Machines', '--select', 'Id,Name,DnsName,IsAssigned,CurrentSessionCount,FailureDate', '--expand', 'DesktopGroup($select=Name,Id)', '--orderby', 'Id', '--count'];
    const file = join(dir, 'machines.csv');
    const [json, csv] = await Promise.all([cli(args), cli([...args, '--format', 'csv', '--out', file])]);
    assert.equal(json.code, 0, json.stderr);
    assert.equal(csv.code, 0, csv.stderr);
    assert.equal(csv.stdout, '', 'the rows went to --out');
    const document = JSON.parse(json.stdout) as { '@odata.context': string; '@odata.count': number; value: Record<string, unknown>[] };
    assert.match(document['@odata.context'], /\$metadata#Machines\(Id,Name,DnsName,IsAssigned,CurrentSessionCount,FailureDate,DesktopGroup\(Name,Id\)\)$/);
    const sql = await fleet.sql(
      `SELECT m.Id, m.Name, g.Name FROM Machines m LEFT JOIN DesktopGroups g ON g.Id = m.DesktopGroupId AND g._customer_id = m._customer_id WHERE m._customer_id = $1 ORDER BY m.Id`,
      [fleet.customerId],
    );
    assert.equal(document['@odata.count'], sql.length);
    assert.deepEqual(
      document.value.map((r) => [r.Id, r.Name, (r.DesktopGroup as { Name: string } | null)?.Name ?? null]),
      sql.map(([id, name, group]) => [String(id), name, group]),
    );
    const text = readFileSync(file, 'utf8');
    const [header, ...records] = parseCsv(text);
    assert.deepEqual(header, ['Id', 'Name', 'DnsName', 'IsAssigned', 'CurrentSessionCount', 'FailureDate', 'DesktopGroup']);
    assert.deepEqual(records, document.value.map((row) => header!.map((column) => cell(row[column]))));
    assert.ok(records.some((r) => r[1]!.includes('\\')), 'names hold backslashes');
    assert.ok(text.includes(',"{""Id"":'), 'an expanded object is JSON text in a quoted cell');
    assert.equal(json.stderr + csv.stderr, '', 'no progress output when piped');
  });

  test('every page of a large set: NDJSON has a line per row of the table; an absolute URL with --top stops across pages', async () => {
    const expected = await count('ResourceUtilization');
    assert.ok(expected > 2000, 'several pages');
    const [ndjson, top] = await Promise.all([
      // A path with its own query, and an option appended after it.
      cli(['ResourceUtilization?$select=MachineId,CollectedDate', '--orderby', 'CollectedDate desc,MachineId', '--format', 'ndjson']),
      // An absolute URL: --base-url does not matter.
      cli([`${server.baseUrl}/ResourceUtilization?$select=MachineId`, '--top', '1500', '--count'], { MONITOR_ODATA_URL: 'http://127.0.0.1:9/nowhere' }),
    ]);
    assert.equal(ndjson.code, 0, ndjson.stderr);
    const lines = ndjson.stdout.split('\n');
    assert.equal(lines.pop(), '');
    assert.equal(lines.length, expected);
    assert.equal(new Set(lines).size, expected, 'each key once');
    const rows = lines.map((l) => JSON.parse(l) as { MachineId: string; CollectedDate: string });
    assert.deepEqual(Object.keys(rows[0]!), ['MachineId', 'CollectedDate']);
    assert.ok(rows.every((r, i) => i === 0 || r.CollectedDate <= rows[i - 1]!.CollectedDate), 'in the order asked for');
    assert.equal(top.code, 0, top.stderr);
    const document = JSON.parse(top.stdout) as { '@odata.count': number; value: unknown[] };
    assert.equal(document.value.length, 1500);
    assert.equal(document['@odata.count'], expected);
    assert.equal(ndjson.stderr + top.stderr, '', 'no progress output when piped');
  });

  test('a bad $filter exits 1 with the OData code and message on stderr', async () => {
    const run = await cli(['Machines', '--filter', 'Nme eq 1']);
    assert.equal(run.code, 1);
    assert.equal(run.stdout, '');
    assert.match(run.stderr, /BadRequest/);
    assert.match(run.stderr, /Could not find a property named 'Nme' on type 'Citrix\.Monitor\.Model\.Machine'/);
  });
});

describe('row writers', () => {
  const pages = [
    { context: 'http://h/monitorodata/$metadata#Users', count: 3, value: [{ Id: 1, Name: 'a "quoted", comma', Note: 'two\r\nlines', Flag: true, '@odata.id': null }] },
    { value: [{ Id: 2, Name: ' spaced ', Note: null, Flag: false, Extra: 'dropped' }, { Id: 3, Name: 'é,ü', Flag: null }] },
  ];
  const write = (format: OutputFormat, input: typeof pages) => {
    const writer = rowWriter(format);
    return input.map((p) => writer.page(p)).join('') + writer.end();
  };

  test('CSV quotes what RFC 4180 says and reads back to the same cells', () => {
    const [header, ...records] = parseCsv(write('csv', pages));
    assert.deepEqual(header, ['Id', 'Name', 'Note', 'Flag']);
    assert.deepEqual(records, [
      ['1', 'a "quoted", comma', 'two\r\nlines', 'true'],
      ['2', ' spaced ', '', 'false'],
      ['3', 'é,ü', '', ''],
    ]);
    assert.equal(write('csv', [{ value: [] } as never]), '');
  });

  test('JSON is one document over all pages; without rows still a document', () => {
    assert.deepEqual(JSON.parse(write('json', pages)), {
      '@odata.context': 'http://h/monitorodata/$metadata#Users',
      '@odata.count': 3,
      value: [...pages[0]!.value, ...pages[1]!.value],
    });
    assert.deepEqual(JSON.parse(write('json', [{ value: [] } as never])), { value: [] });
    assert.deepEqual(JSON.parse(write('json', [])), { value: [] });
    assert.equal(write('ndjson', pages).split('\n').length, 4);
  });
});
