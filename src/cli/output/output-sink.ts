// Where `query` writes: a file (`--out`) or stdout, waiting for the stream to drain so that a
// slow reader holds the walk back instead of the output piling up in memory.
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import type { Writable } from 'node:stream';

export interface OutputSink {
  write(text: string): Promise<void>;
  /** Flushes; closes a file (stdout stays open). */
  close(): Promise<void>;
}

function sinkOf(stream: Writable, end: boolean): OutputSink {
  let failed: Error | undefined;
  stream.on('error', (error: NodeJS.ErrnoException) => {
    // The reader went away (`| head`): nothing more to write, and nothing wrong.
    if (error.code === 'EPIPE') process.exit(0);
    failed = error;
  });
  return {
    async write(text) {
      if (failed) throw failed;
      if (text !== '' && !stream.write(text)) await Promise.race([once(stream, 'drain'), once(stream, 'error')]);
      if (failed) throw failed;
    },
    async close() {
      if (end) {
        stream.end();
        await once(stream, 'close');
      }
      if (failed) throw failed;
    },
  };
}

export function outputSink(file: string | undefined): OutputSink {
  return file === undefined ? sinkOf(process.stdout, false) : sinkOf(createWriteStream(file), true);
}
