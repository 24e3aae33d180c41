// `monitor-odata serve` as a child process, for tests that start servers the way an operator does.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';

const BIN = 'bin/monitor-odata.js';

/** The Node flags the bin's first line (`#!/usr/bin/env -S node ...`) starts it with, so that a child runs as the installed command does. */
export function binNodeFlags(): string[] {
  const shebang = readFileSync(BIN, 'utf8').split('\n', 1)[0]!;
  const words = shebang.replace(/^#!\S*env\s+(-S\s+)?/, '').trim().split(/\s+/);
  return words[0] === 'node' ? words.slice(1) : [];
}

export interface ServeProcess {
  /** `http://host:port`, read from the line the server prints once it serves. */
  readonly url: string;
  readonly child: ChildProcess;
  stderr(): string;
}

export async function startServe(args: string[]): Promise<ServeProcess> {
  const child = spawn(process.execPath, [...binNodeFlags(), BIN, 'serve', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    const read = (c: Buffer) => {
      out += c.toString();
      const m = /at (http:\/\/[^\s]+)\/monitorodata/.exec(out);
      if (!m) return;
      // Later output (the request log) is read and dropped, never kept or scanned.
      child.stdout!.off('data', read);
      child.stdout!.resume();
      resolve(m[1]!);
    };
    child.stdout!.on('data', read);
    child.on('exit', (code) => reject(new Error(`serve exited ${code}: ${err}`)));
  });
  return { url, child, stderr: () => err };
}
