import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, test } from 'node:test';
import { ResponseBuffers } from '../../src/http/response-buffers.js';
import { openFleet, type Fleet } from '../support/fleet.js';
import { openServer } from '../support/servers.js';

describe('ResponseBuffers', () => {
  test('memory comes back once recycled, and only memory the pool lent', () => {
    const pool = new ResponseBuffers({ maxFree: 2, maxBytes: 1 << 20 });
    const first = pool.allocate(100_000);
    assert.equal(first.length, 100_000);
    const second = pool.allocate(90_000);
    assert.notEqual(second.buffer, first.buffer, 'memory in use is never lent twice');
    pool.recycle(first);
    pool.recycle(Buffer.alloc(100_000));
    const third = pool.allocate(80_000);
    assert.equal(third.buffer, first.buffer);
    assert.equal(third.length, 80_000);
  });

  test('small and oversized bodies get memory of their own', () => {
    const pool = new ResponseBuffers({ maxFree: 2, maxBytes: 1 << 20 });
    const small = pool.allocate(100);
    const large = pool.allocate(2 << 20);
    pool.recycle(small);
    pool.recycle(large);
    const next = pool.allocate(50_000);
    assert.notEqual(next.buffer, small.buffer);
    assert.notEqual(next.buffer, large.buffer);
  });
});

describe('response bodies under a slow reader', () => {
  let fleet: Fleet;
  before(async () => {
    fleet = await openFleet({ postgres: false });
  });
  after(async () => {
    await fleet.close();
  });

  /** The body of `url`; the client stops reading for `pauseMs` after the first bytes, then calls `paused`. */
  function get(url: string, pauseMs = 0, paused: () => Promise<void> = async () => undefined): Promise<string> {
    return new Promise((resolve, reject) => {
      http
        .get(url, { agent: false }, (response) => {
          const chunks: Buffer[] = [];
          response.once('data', () => {
            if (pauseMs === 0) return;
            response.pause();
            paused()
              .then(() => new Promise((r) => setTimeout(r, pauseMs)))
              .then(() => response.resume(), reject);
          });
          response.on('data', (c: Buffer) => chunks.push(c));
          response.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
        })
        .on('error', reject);
    });
  }

  test('a body still being sent is never written over by the next responses', async () => {
    // Bodies of several megabytes, more than the kernel takes from a socket whose reader has
    // stopped: the rest waits in the server's memory until the reader goes on.
    const full = '$format=application/json;odata.metadata=full';
    const slow = `Machines?$top=16&$expand=ResourceUtilization&${full}`;
    const others = [1, 2, 3, 4].map((k) => `Machines?$top=15&$skip=${k * 5}&$expand=ResourceUtilization&${full}`);
    const expected = new Map<string, string>();
    for (const path of [slow, ...others]) expected.set(path, (await fleet.get(`/monitorodata/${path}`)).text);
    assert.ok(expected.get(slow)!.length > 5_000_000, `the slow body has ${expected.get(slow)!.length} bytes`);

    const server = await openServer(fleet, 4);
    try {
      const seen: string[] = [];
      // While the slow reader waits, the other responses are written (and their memory recycled) one by one.
      const slowBody = await get(`${server.baseUrl}/${slow}`, 200, async () => {
        for (const path of others) seen.push(await get(`${server.baseUrl}/${path}`));
      });
      // The expected bodies were answered for http://localhost:80 (inject).
      const host = (body: string) => body.replaceAll(new URL(server.baseUrl).origin, 'http://localhost:80');
      assert.equal(host(slowBody), expected.get(slow));
      seen.forEach((body, i) => assert.equal(host(body), expected.get(others[i]!)));
    } finally {
      await server.app.close();
    }
  });
});
