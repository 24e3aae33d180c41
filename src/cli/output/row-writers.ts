// The text `query` writes, page by page, so that no more than a page is ever held: one JSON
// document (`{"@odata.context", "@odata.count"?, "value": [...]}`), one JSON row per line, or CSV
// with the columns of the first row.
import type { Page } from '../../client/index.js';
import { csvRecord } from './csv-writer.js';

export const OUTPUT_FORMATS = ['json', 'ndjson', 'csv'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

type Row = Record<string, unknown>;

export interface RowWriter {
  /** The text of a page's rows (for the first page, also what comes before them). */
  page(page: Page<Row>): string;
  /** What ends the output. */
  end(): string;
}

/** The rows of a JSON response as one document, streamed: the head from the first page, a row a line. */
function jsonWriter(): RowWriter {
  let rows = 0;
  let started = false;
  return {
    page(page) {
      let text = '';
      if (!started) {
        started = true;
        const head: Record<string, unknown> = {};
        if (page.context !== undefined) head['@odata.context'] = page.context;
        if (page.count !== undefined) head['@odata.count'] = page.count;
        // `{"@odata.context":...,"value":[`: the document without its closing `]}`.
        text = JSON.stringify({ ...head, value: [] }).slice(0, -2);
      }
      for (const row of page.value) text += `${rows++ === 0 ? '\n' : ',\n'}${JSON.stringify(row)}`;
      return text;
    },
    end: () => (started ? `${rows > 0 ? '\n' : ''}]}\n` : '{"value":[]}\n'),
  };
}

function ndjsonWriter(): RowWriter {
  return { page: (page) => page.value.map((row) => `${JSON.stringify(row)}\n`).join(''), end: () => '' };
}

/** Data columns only: annotations (`@odata.id`, `Prop@odata.type`) are left out. */
const isColumn = (name: string) => !name.includes('@');

/** CSV: the header is the first row's columns; a later row's other members are left out, its missing ones empty. */
function csvWriter(): RowWriter {
  let columns: string[] | undefined;
  return {
    page(page) {
      let text = '';
      for (const row of page.value) {
        if (columns === undefined) {
          columns = Object.keys(row).filter(isColumn);
          text += csvRecord(columns);
        }
        text += csvRecord(columns.map((c) => row[c]));
      }
      return text;
    },
    end: () => '',
  };
}

export function rowWriter(format: OutputFormat): RowWriter {
  switch (format) {
    case 'json':
      return jsonWriter();
    case 'ndjson':
      return ndjsonWriter();
    case 'csv':
      return csvWriter();
  }
}
