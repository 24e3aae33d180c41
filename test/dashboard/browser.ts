// Debian's Chromium, headless, driven by playwright-core for the dashboard test and benchmark: what
// went wrong on a page (console errors, uncaught errors, failed or refused requests), and a wait
// for the overview's cards to settle that also tells how long after navigation it took.
import { chromium, type Browser, type Page } from 'playwright-core';
import { ensureChromium } from '../../scripts/chromium.js';

/** The overview cards the page draws on load (the drill-down cards wait for a click). */
export const OVERVIEW_CARDS = ['cpu', 'memory', 'sessions', 'uptime', 'failures', 'states', 'unused'] as const;

export async function launchChromium(): Promise<Browser> {
  // Root in a container: Chromium's sandbox needs user namespaces it does not get there.
  return chromium.launch({ executablePath: await ensureChromium(), headless: true, args: ['--no-sandbox'] });
}

/**
 * Collects what went wrong on the page: console errors and warnings, uncaught exceptions, requests
 * that failed and answers of 400 and above, except those `expected` accepts.
 */
export function watchProblems(page: Page, expected: (problem: string) => boolean = () => false): string[] {
  const problems: string[] = [];
  const note = (problem: string) => {
    if (!expected(problem)) problems.push(problem);
  };
  page.on('console', (message) => {
    if (message.type() === 'error' || message.type() === 'warning') note(`console.${message.type()}: ${message.text()}`);
  });
  page.on('pageerror', (error) => note(`uncaught: ${error.message}`));
  page.on('requestfailed', (request) => note(`request failed: ${request.method()} ${request.url()}: ${request.failure()?.errorText}`));
  page.on('response', (response) => {
    if (response.status() >= 400) note(`HTTP ${response.status()}: ${response.request().method()} ${response.url()}`);
  });
  return problems;
}

export interface CardState {
  readonly state: string;
  readonly rows: number;
  readonly message: string;
}

/** Each card's data-state, data-rows and message. */
export async function cardStates(page: Page, ids: readonly string[]): Promise<Record<string, CardState>> {
  return page.evaluate((names) => {
    const states: Record<string, { state: string; rows: number; message: string }> = {};
    for (const name of names) {
      const card = document.querySelector(`[data-chart="${name}"]`);
      states[name] = { state: card?.getAttribute('data-state') ?? 'missing', rows: Number(card?.getAttribute('data-rows') ?? 0), message: card?.querySelector('.message')?.textContent ?? '' };
    }
    return states;
  }, ids);
}

/**
 * Waits until each card is settled (ready, empty or failed) and returns the page's clock then:
 * milliseconds since the navigation started.
 */
export async function waitForCards(page: Page, ids: readonly string[] = OVERVIEW_CARDS, timeout = 20_000): Promise<number> {
  const settled = await page.waitForFunction(
    (names) => {
      const done = names.every((name) => ['ready', 'empty', 'error'].includes(document.querySelector(`[data-chart="${name}"]`)?.getAttribute('data-state') ?? ''));
      return done ? performance.now() : false;
    },
    ids,
    { timeout, polling: 'raf' },
  );
  return (await settled.jsonValue()) as number;
}
