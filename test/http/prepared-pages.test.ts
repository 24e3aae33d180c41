import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { PreparedPages } from '../../src/http/prepared-pages.js';

describe('PreparedPages', () => {
  test('a prepared answer is handed over once, to the same key only', async () => {
    const pages = new PreparedPages<string>();
    let runs = 0;
    pages.prepare('a', async () => `answer ${++runs}`);
    pages.prepare('a', async () => `answer ${++runs}`);
    assert.equal(await pages.take('b'), undefined);
    assert.equal(await pages.take('a'), 'answer 1');
    assert.equal(await pages.take('a'), undefined);
    assert.equal(runs, 1);
    assert.deepEqual(pages.stats, { prepared: 1, taken: 1 });
  });

  test('a failed or expired preparation gives nothing, so the request is computed on demand', async () => {
    const pages = new PreparedPages<string>({ maxEntries: 4, ttlMs: 1000 });
    pages.prepare('fails', async () => {
      throw new Error('engine gone');
    });
    assert.equal(await pages.take('fails'), undefined);
    pages.prepare('old', async () => 'stale', 0);
    assert.equal(await pages.take('old', 5000), undefined);
    assert.equal(pages.stats.taken, 0);
  });

  test('the oldest entries make room, and no entries at all turns preparation off', async () => {
    const pages = new PreparedPages<number>({ maxEntries: 2, ttlMs: 60_000 });
    for (const [i, key] of ['x', 'y', 'z'].entries()) pages.prepare(key, async () => i);
    assert.equal(pages.size, 2);
    assert.equal(await pages.take('x'), undefined);
    assert.equal(await pages.take('z'), 2);
    const off = new PreparedPages<number>({ maxEntries: 0, ttlMs: 60_000 });
    let ran = false;
    off.prepare('x', async () => ((ran = true), 1));
    await new Promise((r) => setImmediate(r));
    assert.equal(off.size, 0);
    assert.equal(ran, false);
  });
});
