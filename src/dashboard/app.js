// The dashboard page: asks the server whether it wants tokens (then shows the sign-in form), finds
// the last day of data, and draws the fleet overview for the chosen range and granularity from
// the OData API, a query per card; a delivery group (its button or its bar) drills down to its
// machines, a machine to its hourly CPU and memory. A new range drops the answers of the old one.
import { ODataClient, SignInNeeded } from './odata.js';
import * as queries from './queries.js';
import { Card, chartsLibrary, element, failuresOption, groupMachinesTable, machineOption, machineStatesOption, sessionsOption, unusedTable, uptimeOption, utilizationOption } from './charts.js';

/** @typedef {import('./odata.js').Result} Result */
/** @typedef {{ path: string, cards: Card[], draw: (result: Result) => void }} Step  one query and the cards it draws */

const DAY_MS = 86_400_000;
const DEFAULT_DAYS = 7;

const byId = (/** @type {string} */ id) => /** @type {HTMLElement} */ (document.getElementById(id));
const input = (/** @type {string} */ id) => /** @type {HTMLInputElement} */ (byId(id));
const isoDay = (/** @type {number} */ ms) => new Date(ms).toISOString().slice(0, 10);

function notice(/** @type {HTMLElement} */ el, /** @type {string | undefined} */ text) {
  el.hidden = !text;
  el.textContent = text ?? '';
}

/** @type {import('./odata.js').Config} */
const config = await fetch('/dashboard/config').then((response) => response.json());
const client = new ODataClient(config, (text) => notice(byId('busy'), text));

const overview = byId('overview');
const drill = byId('drill');
const cards = {
  cpu: new Card(overview, { id: 'cpu', title: 'CPU % by delivery group', note: 'solid: average · dashed: peak' }),
  memory: new Card(overview, { id: 'memory', title: 'Memory % by delivery group', note: 'solid: average · dashed: peak' }),
  sessions: new Card(overview, { id: 'sessions', title: 'Sessions and logon duration', note: 'concurrent sessions of all delivery groups; average logon duration' }),
  uptime: new Card(overview, { id: 'uptime', title: 'Average daily uptime by delivery group', note: 'click a bar to see the delivery group’s machines' }),
  failures: new Card(overview, { id: 'failures', title: 'Connection failures by category' }),
  states: new Card(overview, { id: 'states', title: 'Machines by registration and power state', note: 'now, whatever the range' }),
  unused: new Card(overview, { id: 'unused', title: 'Unused machines', note: 'powered on in the range without a single session', wide: true, table: true }),
  groupMachines: new Card(drill, { id: 'group-machines', title: 'Machines of a delivery group', hint: 'Pick a delivery group above.', wide: true, table: true }),
  machine: new Card(drill, { id: 'machine', title: 'A machine’s hourly CPU and memory', hint: 'Pick a machine in the table above.', wide: true }),
};

let controller = new AbortController();

/** A task later: drawing waits for it, so that the next query is on its way while a card draws. */
const nextTask = () => new Promise((resolve) => setTimeout(resolve, 0));

/**
 * Runs queries (the client sends them one at a time, in order) and draws each card as its answer
 * comes; answers that arrive after the range changed are dropped.
 * @param {Step[]} steps
 */
async function run(steps) {
  const { signal } = controller;
  await Promise.all(
    steps.map(async (step) => {
      step.cards.forEach((card) => card.loading(client.href(step.path)));
      try {
        const result = await client.getAll(step.path, signal);
        await Promise.all([chartsLibrary, nextTask()]);
        if (!signal.aborted) step.draw(result);
      } catch (error) {
        if (signal.aborted) return;
        if (error instanceof SignInNeeded) return needSignIn(error.message);
        step.cards.forEach((card) => card.fail(/** @type {Error} */ (error)));
      }
    }),
  );
}

/** @returns {import('./queries.js').Range | undefined} */
function range() {
  const from = Date.parse(`${input('from').value}T00:00:00Z`);
  const to = Date.parse(`${input('to').value}T00:00:00Z`) + DAY_MS;
  if (!(from < to)) return undefined;
  return { from: new Date(from), to: new Date(to), granularity: input('granularity').value === '1440' ? queries.DAY : queries.HOUR };
}

/** @type {any} */
let selectedGroup;

function loadOverview() {
  controller.abort();
  controller = new AbortController();
  const r = range();
  notice(byId('problem'), r ? undefined : 'The range is empty: "From" must be on or before "To".');
  if (!r) return;
  const stepMs = r.granularity * 60_000;
  cards.machine.idle();
  void run([
    {
      path: queries.utilizationByGroup(r),
      cards: [cards.cpu, cards.memory],
      draw: ({ value }) => {
        cards.cpu.draw(utilizationOption(value, 'Cpu', stepMs), value.length);
        cards.memory.draw(utilizationOption(value, 'Memory', stepMs), value.length);
      },
    },
    { path: queries.sessionsAndLogons(r), cards: [cards.sessions], draw: ({ value }) => cards.sessions.draw(sessionsOption(value, stepMs), value.length) },
    {
      path: queries.uptimeByGroup(r),
      cards: [cards.uptime],
      draw: ({ value }) => {
        cards.uptime.draw(uptimeOption(value), value.length);
        cards.uptime.onClick = (/** @type {{ dataIndex: number }} */ params) => selectGroup(value[params.dataIndex]);
        showGroups(value);
      },
    },
    { path: queries.failuresByCategory(r), cards: [cards.failures], draw: ({ value }) => cards.failures.draw(failuresOption(value), value.length) },
    { path: queries.machineStates(), cards: [cards.states], draw: ({ value }) => cards.states.draw(machineStatesOption(value), value.length) },
    {
      path: queries.unusedMachines(r),
      cards: [cards.unused],
      draw: ({ value, count }) => cards.unused.table(unusedTable(value), value.length, `${count ?? value.length} unused machines`),
    },
  ]);
}

/** The delivery groups to drill into, from the uptime answer; a selected group stays selected. */
function showGroups(/** @type {any[]} */ rows) {
  const buttons = rows.map((row) => {
    const button = element('button', { type: 'button', 'data-group-id': row.DesktopGroupId, 'aria-pressed': 'false' }, [row.DesktopGroup?.Name ?? row.DesktopGroupId]);
    button.addEventListener('click', () => selectGroup(row));
    return button;
  });
  byId('groups').replaceChildren(...buttons);
  const again = rows.find((row) => row.DesktopGroupId === selectedGroup?.DesktopGroupId);
  if (again) selectGroup(again);
  else cards.groupMachines.idle();
}

function selectGroup(/** @type {any} */ row) {
  const r = range();
  if (!r || !row) return;
  selectedGroup = row;
  for (const button of byId('groups').querySelectorAll('button')) button.setAttribute('aria-pressed', String(button.dataset.groupId === row.DesktopGroupId));
  const name = row.DesktopGroup?.Name ?? row.DesktopGroupId;
  cards.groupMachines.title(`Machines of ${name}`);
  cards.machine.idle();
  void run([
    {
      path: queries.groupMachines(r, row.DesktopGroupId),
      cards: [cards.groupMachines],
      draw: ({ value }) => cards.groupMachines.table(groupMachinesTable(value, selectMachine), value.length, `${value.length} machines reported in the range; click one for its hourly chart`),
    },
  ]);
}

function selectMachine(/** @type {any} */ row) {
  const r = range();
  if (!r) return;
  for (const tr of cards.groupMachines.body.querySelectorAll('tr')) tr.classList.toggle('selected', tr.dataset.machineId === row.MachineId);
  cards.machine.title(`${row.Machine?.Name ?? row.MachineId}: hourly CPU and memory`);
  void run([{ path: queries.machineHourly(r, row.MachineId), cards: [cards.machine], draw: ({ value }) => cards.machine.draw(machineOption(value), value.length) }]);
}

function needSignIn(message = '') {
  controller.abort();
  byId('dashboard').hidden = true;
  byId('range').hidden = true;
  byId('sign-in').hidden = false;
  byId('sign-in-error').textContent = message;
  byId('who').textContent = '';
}

async function start() {
  if (!client.signedIn) return needSignIn();
  byId('sign-in').hidden = true;
  byId('dashboard').hidden = false;
  byId('range').hidden = false;
  byId('sign-out').hidden = !client.needsToken;
  const access = client.needsToken ? `signed in as ${client.credentials?.clientId}` : 'open (server runs with --auth none)';
  byId('who').textContent = `customer ${client.customerId ?? '(the token’s)'} · ${access}`;
  try {
    const { value } = await client.getAll(queries.lastSummary());
    const last = value[0]?.Last ? Date.parse(value[0].Last) : Date.now();
    const lastDay = Math.floor(last / DAY_MS) * DAY_MS;
    input('to').value = isoDay(lastDay);
    input('from').value = isoDay(lastDay - (DEFAULT_DAYS - 1) * DAY_MS);
    loadOverview();
  } catch (error) {
    if (error instanceof SignInNeeded) needSignIn(error.message);
    else notice(byId('problem'), `Cannot reach the API: ${/** @type {Error} */ (error).message}`);
  }
}

byId('range').addEventListener('change', loadOverview);
byId('sign-out').addEventListener('click', () => {
  client.signOut();
  needSignIn('Signed out.');
});
byId('sign-in').addEventListener('submit', async (event) => {
  event.preventDefault();
  const form = /** @type {HTMLFormElement} */ (event.currentTarget);
  const data = new FormData(form);
  const button = /** @type {HTMLButtonElement} */ (form.querySelector('button'));
  button.disabled = true;
  byId('sign-in-error').textContent = '';
  try {
    await client.signIn(String(data.get('customer') ?? ''), String(data.get('clientId') ?? ''), String(data.get('clientSecret') ?? ''));
    /** @type {HTMLInputElement} */ (form.elements.namedItem('clientSecret')).value = '';
    await start();
  } catch (error) {
    byId('sign-in-error').textContent = /** @type {Error} */ (error).message;
  } finally {
    button.disabled = false;
  }
});

await start();
