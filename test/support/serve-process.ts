// `monitor-odata serve` as a child process, for tests that start servers the way an operator does.
import { spawn, type ChildProcess } from 'node:child_process';

export interface ServeProcess {
  /** `http://host:port`, read from the line the server prints once it serves. */
  readonly url: string;
  readonly child: ChildProcess;
  stderr(): string;
}

export async function startServe(args: string[]): Promise<ServeProcess> {
  const child = spawn(process.execPath, ['bin/monitor-odata.js', 'serve', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /at (http:\/\/[^\s]+)\/monitorodata/.exec(out);
      if (m) resolve(m[1]!);
    });
    child.on('exit', (code) => reject(new Error(`serve exited ${code}: ${err}`)));
  });
  return { url, child, stderr: () => err };
}
