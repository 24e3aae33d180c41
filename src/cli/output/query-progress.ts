// `query`'s progress on stderr: rows and pages so far, and of `@odata.count` when the first page
// says it. Shown on a terminal only; piped, `query` writes nothing but its output and errors.
import cliProgress from 'cli-progress';

export interface QueryProgress {
  page(rows: number, count: number | undefined): void;
  stop(): void;
}

const silent: QueryProgress = { page() {}, stop() {} };

export function queryProgress(enabled: boolean): QueryProgress {
  if (!enabled) return silent;
  let bar: cliProgress.SingleBar | undefined;
  let rows = 0;
  let pages = 0;
  return {
    page(pageRows, count) {
      rows += pageRows;
      pages++;
      if (bar === undefined) {
        const format = count === undefined ? 'query | {value} rows | {pages} pages' : 'query |{bar}| {value}/{total} rows | {pages} pages';
        bar = new cliProgress.SingleBar({ format, stream: process.stderr, barsize: 30, hideCursor: true }, cliProgress.Presets.shades_classic);
        bar.start(count ?? 0, rows, { pages });
      } else {
        bar.update(rows, { pages });
      }
    },
    stop() {
      bar?.stop();
    },
  };
}
