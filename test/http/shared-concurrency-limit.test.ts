// The per-customer limit kept in PostgreSQL, as two server processes see it (two instances of the
// limit on one database, each with its own session, are two nodes).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { SharedConcurrencyLimit } from '../../src/http/shared-concurrency-limit.js';
import { openPostgresStore, type PostgresStore } from '../../src/store/postgres/postgres-store.js';
import { freshDatabase, type TestDatabase } from '../support/postgres.js';

let database: TestDatabase;
let stores: PostgresStore[];

before(async () => {
  database = await freshDatabase();
  stores = [await openPostgresStore(database.url), await openPostgresStore(database.url)];
});

after(async () => {
  for (const store of stores ?? []) await store.close();
  await database?.drop();
});

test('a slot taken on one node is refused on the other until it is freed', async () => {
  const [a, b] = await Promise.all(stores.map((s) => SharedConcurrencyLimit.open(s, 1)));
  const release = await a!.tryAcquire('customer-1');
  assert.ok(release);
  assert.equal(await b!.tryAcquire('customer-1'), undefined);
  assert.equal(await a!.tryAcquire('customer-1'), undefined);
  const other = await b!.tryAcquire('customer-2');
  assert.ok(other, 'another customer has slots of its own');
  await release();
  await release();
  // Free once the release has resolved: a client asking again at once gets the slot.
  const again = await b!.tryAcquire('customer-1');
  assert.ok(again);
  await again();
  await other();
});

test('a limit of three gives three slots across the nodes', async () => {
  const [a, b] = await Promise.all(stores.map((s) => SharedConcurrencyLimit.open(s, 3)));
  const held = [await a!.tryAcquire('c3'), await b!.tryAcquire('c3'), await a!.tryAcquire('c3')];
  assert.ok(held.every((r) => r !== undefined));
  assert.equal(await b!.tryAcquire('c3'), undefined);
  for (const release of held) await release!();
});

test('a slot whose node died is free at once: its session ended with it', async () => {
  const doomed = await openPostgresStore(database.url);
  const [a, b] = await Promise.all([doomed, stores[1]!].map((s) => SharedConcurrencyLimit.open(s, 1)));
  assert.ok(await a!.tryAcquire('crashed'));
  assert.equal(await b!.tryAcquire('crashed'), undefined);
  await doomed.close();
  const taken = await b!.tryAcquire('crashed');
  assert.ok(taken);
  await taken();
});

test('many requests racing on one node and two nodes never hold more than the limit', async () => {
  const [a, b] = await Promise.all(stores.map((s) => SharedConcurrencyLimit.open(s, 2)));
  let inside = 0;
  let most = 0;
  let served = 0;
  await Promise.all(
    Array.from({ length: 40 }, async (_, i) => {
      const release = await (i % 2 === 0 ? a! : b!).tryAcquire('raced');
      if (!release) return;
      served++;
      most = Math.max(most, ++inside);
      await new Promise((resolve) => setTimeout(resolve, 5));
      inside--;
      await release();
    }),
  );
  assert.ok(served >= 2, `only ${served} served`);
  assert.ok(most <= 2, `${most} held at once`);
  // Everything released: both slots can be taken again.
  const again = [await a!.tryAcquire('raced'), await b!.tryAcquire('raced')];
  assert.ok(again.every((r) => r !== undefined));
  for (const release of again) await release!();
});
