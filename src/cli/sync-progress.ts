// What `sync` shows while it runs: on a terminal a live line per set (cli-progress), in logs and
// pipes one line per finished set; failures and upstream back-offs always go to stderr.
import cliProgress from 'cli-progress';
import type { MirrorReporter } from '../sync/sync-mirror.js';
import { describeFailure } from './output/client-notices.js';
import type { SetResult } from '../sync/sync-set.js';

function finishedLine(result: SetResult): string {
  return `${result.set}: ${result.rows} rows read, ${result.changed} new or changed, ${result.pages} pages, ${(result.milliseconds / 1000).toFixed(1)} s\n`;
}

function failedLine(set: string, error: unknown): string {
  return `${set}: failed: ${describeFailure(error)}\n`;
}

/** On a terminal: one live line per set that stays on screen when the set is done. */
export function barReporter(stream: NodeJS.WriteStream = process.stderr): MirrorReporter & { stop(): void } {
  const bar = new cliProgress.SingleBar(
    { format: '{set} | {rows} rows read | {changed} new or changed | {pages} pages | {seconds}s', hideCursor: true, stream, noTTYOutput: false },
    cliProgress.Presets.shades_classic,
  );
  let started = 0;
  let active = false;
  const seconds = () => ((performance.now() - started) / 1000).toFixed(1);
  const stop = () => {
    if (active) bar.stop();
    active = false;
  };
  return {
    setStarted(set) {
      stop();
      started = performance.now();
      bar.start(0, 0, { set: set.padEnd(38), rows: 0, changed: 0, pages: 0, seconds: seconds() });
      active = true;
    },
    page(p) {
      bar.update(0, { rows: p.rows, changed: p.changed, pages: p.pages, seconds: seconds() });
    },
    setFinished: stop,
    setFailed(set, error) {
      stop();
      stream.write(failedLine(set, error));
    },
    stop,
  };
}

/** For logs and pipes: a line per finished or failed set. */
export function lineReporter(stream: NodeJS.WritableStream = process.stderr): MirrorReporter & { stop(): void } {
  return {
    setFinished: (result) => stream.write(finishedLine(result)),
    setFailed: (set, error) => stream.write(failedLine(set, error)),
    stop() {},
  };
}
