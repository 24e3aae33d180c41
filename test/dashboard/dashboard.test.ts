// The dashboard in a real browser (Debian's Chromium, headless): on a generated fleet every
// overview card renders rows, each card's "query" link is the URL its rows come from, the unused
// machines table is the API's answer (and the SQL's), the drill-down reaches a machine's hourly
// chart, a busy server (429) is waited out visibly, and with tokens it signs in through its form
// and gets new tokens before and after they run out. Any console error or failed request fails it.
// The screenshot goes to the test's output folder, and to docs/dashboard.png with UPDATE_SCREENSHOT=1
// (then on a 200-machine, 14-day fleet, so the picture looks like a real one).
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import type { Browser, Page } from 'playwright-core';
import { buildApp } from '../../src/http/app.js';
import { DASHBOARD_CSP } from '../../src/http/dashboard.js';
import { LocalConcurrencyLimit } from '../../src/http/concurrency-limit.js';
import { monitorModel } from '../../src/model/model.js';
import { DuckDbQueryCompiler } from '../../src/sql/duckdb-query-compiler.js';
import { noAuth } from '../../src/http/access.js';
import { openFleet, type Fleet } from '../support/fleet.js';
import { listen, openTokenServer } from '../support/servers.js';
import { ensureChromium } from '../../scripts/chromium.js';
import { cardStates, launchChromium, OVERVIEW_CARDS, waitForCards, watchProblems } from './browser.js';

// Installed first when missing (apt-get takes a minute or two), outside the tests' time limit.
await ensureChromium();

const UPDATE_SCREENSHOT = process.env.UPDATE_SCREENSHOT === '1';
const C = '_customer_id';
const VIEWPORT = { width: 1440, height: 1000 };

/** Every row of a query, its next links followed, as a script would read it. */
async function apiRows(url: string): Promise<{ rows: any[]; count: number | undefined }> {
  const rows: any[] = [];
  let count: number | undefined;
  let next: string | undefined = url;
  while (next !== undefined) {
    const response: Response = await fetch(next, { headers: { Accept: 'application/json' } });
    const body: any = await response.json();
    assert.equal(response.status, 200, `${next}: ${JSON.stringify(body)}`);
    rows.push(...body.value);
    count ??= body['@odata.count'];
    next = body['@odata.nextLink'];
  }
  return { rows, count };
}

/** The URL a card's "query" link shows. */
const queryOf = (page: Page, card: string) => page.locator(`[data-chart="${card}"] .query code`).textContent() as Promise<string>;
/** The same, decoded, to match its OData text. */
const odataOf = async (page: Page, card: string) => decodeURIComponent(await queryOf(page, card));

/** Clicks the middle of a bar of a horizontal bar chart, where ECharts draws it. */
async function clickBar(page: Page, card: string, index: number): Promise<void> {
  const plot = page.locator(`[data-chart="${card}"] .plot`);
  await plot.scrollIntoViewIfNeeded();
  const point = await plot.evaluate((el, i) => {
    const chart = (globalThis as any).echarts.getInstanceByDom(el);
    const value = chart.getOption().series[0].data[i];
    return chart.convertToPixel({ seriesIndex: 0 }, [value / 2, i]) as [number, number];
  }, index);
  const box = (await plot.boundingBox())!;
  await page.mouse.click(box.x + point[0], box.y + point[1]);
}

async function assertCardsReady(page: Page, cards: readonly string[]): Promise<void> {
  const states = await cardStates(page, cards);
  for (const card of cards) {
    assert.equal(states[card]!.state, 'ready', `${card}: ${JSON.stringify(states[card])}`);
    assert.ok(states[card]!.rows > 0, `${card} has rows`);
  }
}

/** The range the page shows: `from` 00:00 UTC to the day after `to`. */
async function pageRange(page: Page): Promise<{ from: string; to: string }> {
  const from = await page.inputValue('#from');
  const to = new Date(Date.parse(`${await page.inputValue('#to')}T00:00:00Z`) + 86_400_000).toISOString();
  return { from: `${from}T00:00:00.000Z`, to };
}

describe('the dashboard routes', () => {
  let fleet: Fleet;
  before(async () => {
    fleet = await openFleet({ postgres: false, machines: 4, days: 1 });
  });
  after(() => fleet?.close());
  const appWith = (options: { access?: 'none' | 'tokens'; dashboard?: boolean } = {}) =>
    buildApp({
      model: monitorModel,
      store: fleet.store,
      compiler: () => new DuckDbQueryCompiler(),
      access: options.access === 'tokens' ? { kind: 'tokens', tokens: { verify: async () => undefined } } : noAuth(fleet.customerId),
      dashboard: options.dashboard,
    });

  test('the page at / and /dashboard, its assets from memory with their own CSP and an ETag', async () => {
    const app = await appWith();
    for (const url of ['/', '/dashboard', '/Dashboard/']) {
      const page = await app.inject({ url });
      assert.equal(page.statusCode, 200, url);
      assert.match(page.headers['content-type'] as string, /^text\/html; charset=utf-8/);
      assert.equal(page.headers['content-security-policy'], DASHBOARD_CSP);
      assert.match(page.body, /<script type="module" src="\/dashboard\/assets\/app.js">/);
    }
    for (const [name, type] of [['app.js', 'text/javascript'], ['odata.js', 'text/javascript'], ['queries.js', 'text/javascript'], ['charts.js', 'text/javascript'], ['dashboard.css', 'text/css'], ['echarts.js', 'text/javascript']]) {
      const asset = await app.inject({ url: `/dashboard/assets/${name}` });
      assert.equal(asset.statusCode, 200, name);
      assert.equal(asset.headers['content-type'], `${type}; charset=utf-8`);
      assert.equal(asset.headers['content-security-policy'], DASHBOARD_CSP);
      assert.equal(asset.headers['cache-control'], 'no-cache');
      const again = await app.inject({ url: `/dashboard/assets/${name}`, headers: { 'if-none-match': asset.headers.etag as string } });
      assert.equal(again.statusCode, 304, name);
      assert.equal(again.body, '');
    }
    assert.match((await app.inject({ url: '/dashboard/assets/echarts.js' })).body, /echarts/);
    for (const url of ['/dashboard/assets/nothing.js', '/dashboard/assets/..%2Fapp.ts', '/dashboard/assets/%2E%2E%2F%2E%2E%2Fpackage.json']) {
      assert.equal((await app.inject({ url })).statusCode, 404, url);
    }
    // The API keeps its own narrow CSP.
    assert.equal((await app.inject({ url: '/monitorodata/' })).headers['content-security-policy'], "default-src 'none';frame-ancestors 'none'");
    await app.close();
  });

  test('/dashboard/config says whether the API wants tokens', async () => {
    const open = await appWith();
    assert.deepEqual(JSON.parse((await open.inject({ url: '/dashboard/config' })).body), { auth: 'none', customerId: fleet.customerId, serviceRoot: '/monitorodata' });
    await open.close();
    const tokens = await appWith({ access: 'tokens' });
    assert.deepEqual(JSON.parse((await tokens.inject({ url: '/dashboard/config' })).body), { auth: 'tokens', serviceRoot: '/monitorodata' });
    await tokens.close();
  });

  test('dashboard: false serves no page', async () => {
    const app = await appWith({ dashboard: false });
    for (const url of ['/', '/dashboard', '/dashboard/config']) assert.equal((await app.inject({ url })).statusCode, 404, url);
    await app.close();
  });
});

describe('the dashboard in Chromium', { timeout: 120_000 }, () => {
  let fleet: Fleet;
  let browser: Browser;
  let origin: string;
  let app: FastifyInstance;
  const limit = new LocalConcurrencyLimit(1);
  const output = mkdtempSync(join(tmpdir(), 'monitor-odata-dashboard-'));

  before(async () => {
    [fleet, browser] = await Promise.all([openFleet({ postgres: false, ...(UPDATE_SCREENSHOT ? { machines: 200, days: 14 } : {}) }), launchChromium()]);
    // The fleet's customer without tokens, one query at a time, with a limit the test can hold.
    app = await buildApp({ model: monitorModel, store: fleet.store, compiler: () => new DuckDbQueryCompiler(), access: noAuth(fleet.customerId), concurrencyLimit: limit });
    origin = (await listen(app)).replace(/\/monitorodata$/, '');
  });
  after(async () => {
    await app?.close();
    await browser?.close();
    await fleet?.close();
  });

  test('draws every card from the API, and drills down to a machine', async (t) => {
    const page = await browser.newPage({ viewport: VIEWPORT });
    const problems = watchProblems(page);
    await page.goto(`${origin}/dashboard`);
    const readyAfter = await waitForCards(page);
    await assertCardsReady(page, OVERVIEW_CARDS);
    t.diagnostic(`all ${OVERVIEW_CARDS.length} cards ready ${Math.round(readyAfter)} ms after navigation`);

    // Each card's "query" link is the URL of the rows it drew.
    const states = await cardStates(page, OVERVIEW_CARDS);
    for (const card of OVERVIEW_CARDS) {
      const url = await queryOf(page, card);
      assert.ok(url.startsWith(`${origin}/monitorodata/`), url);
      assert.equal((await apiRows(url)).rows.length, states[card]!.rows, `${card}: ${url}`);
    }

    // The unused machines table is the API's answer for its URL...
    const unusedUrl = await queryOf(page, 'unused');
    assert.match(decodeURIComponent(unusedUrl), /\$apply=filter\(Granularity eq 60 and SummaryDate ge .* and UptimeInMinutes gt 0\)\/expand\(Machine,expand\(DesktopGroup,filter\(Name ne null\)\)\)/);
    const api = await apiRows(unusedUrl);
    const table = await page.$$eval('[data-chart="unused"] tbody tr', (trs) =>
      trs.map((tr) => [tr.getAttribute('data-machine-id'), tr.querySelector('.group')?.textContent, tr.querySelector('.machine')?.textContent, tr.querySelector('.sessions')?.textContent]),
    );
    assert.deepEqual(
      table,
      api.rows.map((row) => [row.MachineId, row.DesktopGroup.Name, row.Machine.Name, String(row.TotalSessionCountSum)]),
    );
    assert.equal(await page.locator('[data-chart="unused"] .message').textContent(), `${api.count} unused machines`);
    // ... and the SQL's: powered-on hours without a session, by machine, in the page's range.
    const { from, to } = await pageRange(page);
    const expected = await fleet.sql(
      `SELECT r.MachineId::VARCHAR AS id, sum(CAST(r.TotalSessionCount AS BIGINT)) AS s
         FROM ResourceUtilizationSummary r
         JOIN Machines m ON m.Id = r.MachineId AND m.${C} = r.${C}
         JOIN DesktopGroups md ON md.Id = m.DesktopGroupId AND md.${C} = m.${C}
        WHERE r.${C} = $1 AND r.Granularity = 60 AND r.SummaryDate >= $2::TIMESTAMPTZ AND r.SummaryDate < $3::TIMESTAMPTZ AND r.UptimeInMinutes > 0 AND md.Name IS NOT NULL
        GROUP BY r.MachineId HAVING sum(CAST(r.TotalSessionCount AS BIGINT)) = 0 ORDER BY id`,
      [fleet.customerId, from, to],
    );
    assert.ok(expected.length > 0, 'the fleet has unused machines');
    assert.deepEqual(table.map((row) => row[0]).sort(), expected.map((row) => row[0]));
    assert.equal(api.count, expected.length);

    // A delivery group: its machines; a machine: its hourly chart.
    const group = page.locator('#groups button').first();
    await group.click();
    await waitForCards(page, ['group-machines']);
    await assertCardsReady(page, ['group-machines']);
    assert.equal(await group.getAttribute('aria-pressed'), 'true');
    const groupRows = await page.locator('[data-chart="group-machines"] tbody tr').count();
    assert.equal(groupRows, (await apiRows(await queryOf(page, 'group-machines'))).rows.length);
    assert.match(await odataOf(page, 'group-machines'), new RegExp(`DesktopGroupId eq ${await group.getAttribute('data-group-id')}`));
    const machine = page.locator('[data-chart="group-machines"] tbody tr').first();
    await machine.locator('button').click();
    await waitForCards(page, ['machine']);
    await assertCardsReady(page, ['machine']);
    const machineUrl = await queryOf(page, 'machine');
    assert.match(decodeURIComponent(machineUrl), new RegExp(`Granularity eq 60 and MachineId eq ${await machine.getAttribute('data-machine-id')}`));
    assert.equal((await cardStates(page, ['machine'])).machine!.rows, (await apiRows(machineUrl)).rows.length);

    // Clicking a bar of the uptime chart selects that delivery group too.
    await clickBar(page, 'uptime', 1);
    await page.locator('#groups button').nth(1).and(page.locator('[aria-pressed="true"]')).waitFor({ timeout: 5000 });
    await waitForCards(page, ['group-machines']);
    assert.match(await odataOf(page, 'group-machines'), new RegExp(`DesktopGroupId eq ${await page.locator('#groups button').nth(1).getAttribute('data-group-id')}`));

    await page.locator('#groups button').first().click();
    await waitForCards(page, ['group-machines']);
    await page.locator('[data-chart="group-machines"] tbody tr button').first().click();
    await waitForCards(page, ['machine']);
    const shot = join(output, 'dashboard.png');
    await page.screenshot({ path: shot, fullPage: true });
    if (UPDATE_SCREENSHOT) await page.screenshot({ path: 'docs/dashboard.png', fullPage: true });
    t.diagnostic(`screenshot: ${shot}`);
    assert.deepEqual(problems, []);
    await page.close();
  });

  test('a new range or granularity redraws every card', async () => {
    const page = await browser.newPage({ viewport: VIEWPORT });
    const problems = watchProblems(page);
    await page.goto(`${origin}/`);
    await waitForCards(page);
    const hourly = await cardStates(page, ['cpu', 'sessions']);
    await page.selectOption('#granularity', '1440');
    await waitForCards(page);
    await assertCardsReady(page, OVERVIEW_CARDS);
    const daily = await cardStates(page, ['cpu', 'sessions']);
    assert.ok(daily.cpu!.rows < hourly.cpu!.rows && daily.sessions!.rows < hourly.sessions!.rows, JSON.stringify({ hourly, daily }));
    assert.match(await odataOf(page, 'cpu'), /Granularity eq 1440/);
    // A range with no data: cards say so rather than fail; and back.
    const range = [await page.inputValue('#from'), await page.inputValue('#to')] as const;
    const setRange = async (from: string, to: string) => {
      await page.fill('#from', from);
      await page.fill('#to', to);
      await page.locator('#to').dispatchEvent('change');
      await waitForCards(page);
    };
    await setRange('2001-01-01', '2001-01-02');
    const empty = await cardStates(page, OVERVIEW_CARDS);
    assert.deepEqual(
      OVERVIEW_CARDS.map((card) => empty[card]!.state),
      OVERVIEW_CARDS.map((card) => (card === 'states' ? 'ready' : 'empty')),
      'machine states are now, whatever the range',
    );
    await setRange(...range);
    await assertCardsReady(page, OVERVIEW_CARDS);
    for (const card of ['cpu', 'memory', 'sessions', 'uptime', 'failures']) {
      assert.equal(await page.locator(`[data-chart="${card}"] .plot canvas`).first().isVisible(), true, `${card} is drawn again`);
    }
    assert.deepEqual(problems, []);
    await page.close();
  });

  test('a busy server (429) is waited out with a visible notice', async () => {
    const page = await browser.newPage({ viewport: VIEWPORT });
    const problems = watchProblems(page, (problem) => /\b429\b/.test(problem));
    const release = (await limit.tryAcquire(fleet.customerId))!;
    try {
      await page.goto(`${origin}/dashboard`);
      const busy = page.locator('#busy');
      await busy.waitFor({ state: 'visible' });
      assert.match((await busy.textContent())!, /^Server busy \(429 Too Many Requests\): retrying in [1-4] s$/);
    } finally {
      await release();
    }
    await waitForCards(page);
    await assertCardsReady(page, OVERVIEW_CARDS);
    assert.equal(await page.locator('#busy').isHidden(), true);
    assert.deepEqual(problems, []);
    await page.close();
  });

  test('with tokens: signs in through its form, keeps the token in memory and renews it', async () => {
    const server = await openTokenServer(fleet, Date.now());
    const serverOrigin = server.baseUrl.replace(/\/monitorodata$/, '');
    const context = await browser.newContext({ viewport: VIEWPORT });
    const page = await context.newPage();
    await page.clock.install();
    let expected: RegExp[] = [];
    const problems = watchProblems(page, (problem) => expected.some((pattern) => pattern.test(problem)));
    const sent: { url: string; authorization?: string; customer?: string }[] = [];
    page.on('request', (request) => {
      const headers = request.headers();
      if (request.url().includes('/tokens/clients') || request.url().includes('/monitorodata/')) sent.push({ url: request.url(), authorization: headers.authorization, customer: headers['citrix-customerid'] });
    });
    const tokenRequests = () => sent.filter((s) => s.url.includes('/tokens/clients')).length;
    try {
      await page.goto(`${serverOrigin}/dashboard`);
      await page.locator('#sign-in').waitFor({ state: 'visible' });
      assert.equal(await page.locator('#dashboard').isHidden(), true);

      // A wrong secret is refused, and said so.
      expected = [/401.*tokens\/clients/, /status of 401/];
      await page.fill('[name=customer]', fleet.customerId);
      await page.fill('[name=clientId]', server.credentials.clientId);
      await page.fill('[name=clientSecret]', 'not-the-secret');
      await page.click('#sign-in button[type=submit]');
      await page.locator('#sign-in-error', { hasText: 'Sign-in failed' }).waitFor();
      expected = [];

      await page.fill('[name=clientSecret]', server.credentials.clientSecret);
      await page.click('#sign-in button[type=submit]');
      await waitForCards(page);
      await assertCardsReady(page, OVERVIEW_CARDS);
      assert.equal(await page.inputValue('[name=clientSecret]'), '', 'the secret is not left in the form');
      assert.deepEqual(await page.evaluate(() => [localStorage.length, sessionStorage.length, document.cookie]), [0, 0, '']);
      const queries = sent.filter((s) => s.url.includes('/monitorodata/'));
      assert.ok(queries.length >= OVERVIEW_CARDS.length);
      for (const query of queries) {
        assert.match(query.authorization ?? '', /^CWSAuth bearer=\S+$/, query.url);
        assert.equal(query.customer, fleet.customerId);
      }
      assert.equal(tokenRequests(), 2);

      // Less than 5 minutes left: a new token before the next query.
      await page.clock.fastForward('56:00');
      await page.selectOption('#granularity', '1440');
      await waitForCards(page);
      await assertCardsReady(page, OVERVIEW_CARDS);
      assert.equal(tokenRequests(), 3);

      // A token the server no longer takes (its clock moved on): one 401, a new token, the query again.
      server.now += 2 * 3_600_000;
      expected = [/HTTP 401: GET .*\/monitorodata\//, /status of 401/];
      await page.selectOption('#granularity', '60');
      await waitForCards(page);
      await assertCardsReady(page, OVERVIEW_CARDS);
      assert.equal(tokenRequests(), 4);
      expected = [];

      await page.click('#sign-out');
      await page.locator('#sign-in').waitFor({ state: 'visible' });
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
      await server.app.close();
    }
  });
});
