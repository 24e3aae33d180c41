// The dashboard's cards: a title, a "query" link that shows (and copies) the exact OData URL the
// card is drawn from, and an ECharts chart or a table. A card tells its state in attributes the
// tests wait on: data-state="loading|ready|empty|error|idle" and data-rows (rows of its answer).

/**
 * ECharts' browser build: a classic script that index.html loads after this module, so the first
 * queries need not wait for it. Resolves once it has run.
 */
export const chartsLibrary = new Promise((resolve, reject) => {
  const script = document.getElementById('echarts');
  if (/** @type {any} */ (globalThis).echarts || !script) return resolve(undefined);
  script.addEventListener('load', () => resolve(undefined));
  script.addEventListener('error', () => reject(new Error('The charting library did not load.')));
});
const echarts = () => /** @type {any} */ (globalThis).echarts;

// Monitor's enumerations (integers on the wire), as Director names them.
const REGISTRATION = ['Unknown', 'Registered', 'Unregistered'];
const POWER = ['Unknown', 'Unavailable', 'Off', 'On', 'Suspended', 'Turning on', 'Turning off', 'Suspending', 'Resuming', 'Unmanaged', 'Not supported', 'VM not found'];
const FAILURE_TYPE = ['No category', 'Client connection failures', 'Machine failures', 'Unavailable capacity', 'Unavailable licenses', 'Configuration errors'];

const nameOf = (/** @type {string[]} */ names, /** @type {number | null | undefined} */ value) => (value === null || value === undefined ? 'Unknown' : names[value] ?? String(value));
const fixed = (/** @type {number | null} */ value, digits = 1) => (typeof value === 'number' && Number.isFinite(value) ? value.toFixed(digits) : '–');
const time = (/** @type {string} */ iso) => Date.parse(iso);
const HOUR_MS = 3_600_000;

/** Colours of the series, in order: a delivery group keeps its colour across its two lines. */
const PALETTE = ['#2f6fdf', '#e8743b', '#19a979', '#945ecf', '#ed4a7b', '#13a4b4', '#c9a100', '#6c8893', '#5e4fa2'];

/** @param {string} tag @param {Record<string, string>} [attributes] @param {(Node | string)[]} [children] */
export function element(tag, attributes = {}, children = []) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  node.append(...children);
  return node;
}

const charts = new Set();
addEventListener('resize', () => charts.forEach((chart) => chart.resize()));

export class Card {
  /**
   * @param {HTMLElement} parent
   * @param {{ id: string, title: string, note?: string, hint?: string, wide?: boolean, table?: boolean }} spec  `hint`: what an idle card says
   */
  constructor(parent, spec) {
    this.code = element('code');
    this.open = element('a', { target: '_blank', rel: 'noopener' }, ['open']);
    const copy = element('button', { type: 'button', class: 'copy' }, ['copy']);
    copy.addEventListener('click', () => this.copyQuery(copy));
    this.query = element('details', { class: 'query' }, [element('summary', {}, ['query']), this.code, element('div', { class: 'query-actions' }, [copy, this.open])]);
    this.heading = element('h2', {}, [spec.title]);
    this.isTable = spec.table === true;
    this.body = element('div', { class: this.isTable ? 'table' : 'plot' });
    this.message = element('p', { class: 'message' });
    this.hint = spec.hint ?? '';
    const header = element('header', {}, [this.heading, this.query]);
    this.el = element('section', { class: `card${spec.wide ? ' wide' : ''}`, 'data-chart': spec.id }, [header, ...(spec.note ? [element('p', { class: 'note' }, [spec.note])] : []), this.body, this.message]);
    parent.append(this.el);
    /** @type {any} */
    this.chart = undefined;
    /** @type {((params: any) => void) | undefined}  a click on the chart's data */
    this.onClick = undefined;
    this.idle();
  }

  title(/** @type {string} */ text) {
    this.heading.textContent = text;
  }

  /** Nothing asked yet (a drill-down card before its pick). */
  idle() {
    this.clear();
    this.state('idle', 0, this.hint);
  }

  /** Takes away what the card showed (a chart keeps its ECharts instance and element, just emptied). */
  clear() {
    this.chart?.off('finished');
    this.chart?.clear();
    if (this.isTable) this.body.replaceChildren();
  }

  /** Shows the URL the card is about to be drawn from. */
  loading(/** @type {string} */ url) {
    this.code.textContent = url;
    this.open.setAttribute('href', url);
    this.state('loading', 0, 'Loading…');
  }

  state(/** @type {string} */ state, /** @type {number} */ rows, message = '') {
    this.el.dataset.state = state;
    this.el.dataset.rows = String(rows);
    this.message.textContent = message;
  }

  fail(/** @type {Error} */ error) {
    this.clear();
    this.state('error', 0, error.message);
  }

  /** An answer with no rows: nothing to draw. */
  empty() {
    this.clear();
    this.state('empty', 0, 'No data in this range.');
  }

  /** Draws an ECharts option; the card is ready once ECharts has finished rendering it. */
  draw(/** @type {object} */ option, /** @type {number} */ rows) {
    if (rows === 0) return this.empty();
    if (this.chart === undefined) {
      this.chart = echarts().init(this.body, undefined, { renderer: 'canvas' });
      this.chart.on('click', (/** @type {any} */ params) => this.onClick?.(params));
      charts.add(this.chart);
    }
    this.chart.resize();
    this.chart.off('finished');
    this.chart.on('finished', () => this.state('ready', rows));
    this.chart.setOption({ animation: false, useUTC: true, color: PALETTE, ...option }, true);
  }

  /** Shows a table (its rows already built). */
  table(/** @type {HTMLTableElement} */ table, /** @type {number} */ rows, message = '') {
    if (rows === 0) return this.empty();
    this.body.replaceChildren(table);
    this.state('ready', rows, message);
  }

  async copyQuery(/** @type {HTMLElement} */ button) {
    const text = this.code.textContent ?? '';
    try {
      await navigator.clipboard.writeText(text);
      button.textContent = 'copied';
    } catch {
      // No clipboard outside a secure context: select the URL for Ctrl+C instead.
      getSelection()?.selectAllChildren(this.code);
      button.textContent = 'selected';
    }
    setTimeout(() => (button.textContent = 'copy'), 1500);
  }
}

// ---- chart options ----

/** Tooltips drawn on the canvas: HTML ones would need inline styles, which the page's CSP refuses. */
const TOOLTIP = { trigger: 'axis', renderMode: 'richText', confine: true };
const GRID = { left: 52, right: 24, top: 40, bottom: 28 };
const TIME_AXIS = { type: 'time', axisLabel: { hideOverlap: true, formatter: { year: '{yyyy}', month: '{MMM} {d}', day: '{MMM} {d}', hour: '{HH}:{mm}', minute: '{HH}:{mm}' } } };
/** A 0–100 % axis (or up to the next ten above the data, when `fit`). */
const percentAxis = (fit = false) => ({ type: 'value', min: 0, max: fit ? (/** @type {{ max: number }} */ extent) => Math.min(100, Math.ceil(extent.max / 10) * 10) : 100, axisLabel: { formatter: '{value} %' } });

/** @param {string} name @param {Array<[number, number | null]>} data @param {object} [style] */
const line = (name, data, style = {}) => ({ type: 'line', name, data, showSymbol: false, sampling: 'lttb', ...style });

/**
 * Time points (in time order) with a null where a step is missing, so that a line breaks over
 * hours without data (a delivery group powered off at the weekend) instead of bridging them.
 * @param {Array<[number, number | null]>} points @param {number} stepMs
 */
function withGaps(points, stepMs) {
  /** @type {Array<[number, number | null]>} */
  const out = [];
  for (const point of points) {
    const previous = out[out.length - 1];
    if (previous && point[0] - previous[0] > stepMs) out.push([previous[0] + stepMs, null]);
    out.push(point);
  }
  return out;
}

/** A series of `[time, row[field]]` from rows in time order, broken where a step is missing. */
const timeSeries = (/** @type {any[]} */ rows, /** @type {string} */ field, stepMs = HOUR_MS) =>
  withGaps(rows.map((row) => /** @type {[number, number | null]} */ ([time(row.SummaryDate), row[field]])), stepMs);

/**
 * CPU or memory %, a line per delivery group: average solid, peak dashed in the same colour
 * (one legend entry toggles both).
 * @param {any[]} rows  rows of queries.utilizationByGroup
 * @param {'Cpu' | 'Memory'} what
 * @param {number} stepMs  the granularity
 */
export function utilizationOption(rows, what, stepMs) {
  /** @type {Map<string, any[]>} */
  const byGroup = new Map();
  for (const row of rows) {
    const group = row.DesktopGroup?.Name ?? 'Unknown';
    if (!byGroup.has(group)) byGroup.set(group, []);
    byGroup.get(group)?.push(row);
  }
  const series = [...byGroup].flatMap(([group, groupRows], i) => {
    const color = PALETTE[i % PALETTE.length];
    return [
      line(group, timeSeries(groupRows, `AvgPercent${what}`, stepMs), { color, lineStyle: { width: 2 } }),
      line(group, timeSeries(groupRows, `PeakPercent${what}`, stepMs), { color, lineStyle: { width: 1, type: 'dashed', opacity: 0.45 } }),
    ];
  });
  return {
    tooltip: { ...TOOLTIP, valueFormatter: (/** @type {number} */ v) => `${fixed(v)} %` },
    legend: { type: 'scroll', top: 0 },
    grid: GRID,
    xAxis: TIME_AXIS,
    yAxis: percentAxis(true),
    series,
  };
}

/** Concurrent sessions (area) and average logon duration in seconds (line, right axis). */
export function sessionsOption(/** @type {any[]} */ rows, /** @type {number} */ stepMs) {
  const logOnSeconds = (/** @type {any} */ row) => (typeof row.AvgLogOnDurationMs === 'number' ? row.AvgLogOnDurationMs / 1000 : null);
  return {
    tooltip: TOOLTIP,
    legend: { top: 0 },
    grid: { ...GRID, right: 48 },
    xAxis: TIME_AXIS,
    yAxis: [
      { type: 'value', name: 'sessions', minInterval: 1 },
      { type: 'value', name: 'logon s', splitLine: { show: false } },
    ],
    series: [
      line('Concurrent sessions', timeSeries(rows, 'Sessions', stepMs), { areaStyle: { opacity: 0.25 } }),
      line('Avg logon duration (s)', withGaps(rows.map((row) => [time(row.SummaryDate), logOnSeconds(row)]), stepMs), { yAxisIndex: 1, tooltip: { valueFormatter: (/** @type {number} */ v) => `${fixed(v)} s` } }),
    ],
  };
}

/**
 * Bars from left to right, a category a row, each labelled with its value.
 * @param {string[]} names @param {number[]} values @param {(value: number) => string} format
 */
function horizontalBars(names, values, format) {
  return {
    tooltip: { ...TOOLTIP, trigger: 'item', valueFormatter: format },
    grid: { left: 8, right: 56, top: 8, bottom: 8, containLabel: true },
    xAxis: { type: 'value', axisLabel: { formatter: format } },
    yAxis: { type: 'category', data: names, inverse: true },
    series: [{ type: 'bar', data: values, barMaxWidth: 28, label: { show: true, position: 'right', formatter: (/** @type {{ value: number }} */ p) => format(p.value) } }],
  };
}

/** Average daily uptime (hours) per delivery group. */
export function uptimeOption(/** @type {any[]} */ rows) {
  return horizontalBars(
    rows.map((row) => row.DesktopGroup?.Name ?? 'Unknown'),
    rows.map((row) => row.AvgUptimeInMinutes / 60),
    (hours) => `${Number.isInteger(hours) ? hours : fixed(hours)} h`,
  );
}

/** Connection failures per failure category. */
export function failuresOption(/** @type {any[]} */ rows) {
  return horizontalBars(
    rows.map((row) => nameOf(FAILURE_TYPE, row.Session?.Failure?.Category)),
    rows.map((row) => row.Failures),
    (count) => String(count),
  );
}

/** Machines by registration and power state, as a donut. */
export function machineStatesOption(/** @type {any[]} */ rows) {
  return {
    tooltip: { trigger: 'item', renderMode: 'richText' },
    legend: { type: 'scroll', orient: 'vertical', left: 0, top: 'middle' },
    series: [
      {
        type: 'pie',
        radius: ['40%', '70%'],
        center: ['65%', '50%'],
        label: { formatter: '{c}' },
        data: rows.map((row) => ({ name: `${nameOf(REGISTRATION, row.CurrentRegistrationState)} · ${nameOf(POWER, row.CurrentPowerState)}`, value: row.Machines })),
      },
    ],
  };
}

/** One machine's hourly average and peak CPU and memory %. */
export function machineOption(/** @type {any[]} */ rows) {
  const points = (/** @type {string} */ field) => timeSeries(rows, field);
  return {
    tooltip: { ...TOOLTIP, valueFormatter: (/** @type {number} */ v) => `${fixed(v)} %` },
    legend: { top: 0 },
    grid: GRID,
    xAxis: TIME_AXIS,
    yAxis: percentAxis(),
    series: [
      line('Avg CPU', points('AvgPercentCpu'), { lineStyle: { width: 2 } }),
      line('Peak CPU', points('PeakPercentCpu'), { lineStyle: { width: 1, type: 'dashed' } }),
      line('Avg memory', points('AvgPercentMemory'), { lineStyle: { width: 2 } }),
      line('Peak memory', points('PeakPercentMemory'), { lineStyle: { width: 1, type: 'dashed' } }),
    ],
  };
}

// ---- tables ----

/**
 * @typedef {{ header: string, cell: (row: any) => Node | string, numeric?: boolean, name?: string }} Column
 * @param {Column[]} columns @param {any[]} rows @param {(row: any) => Record<string, string>} rowAttributes
 */
function buildTable(columns, rows, rowAttributes) {
  const head = element('thead', {}, [element('tr', {}, columns.map((c) => element('th', c.numeric ? { class: 'num' } : {}, [c.header])))]);
  const body = element(
    'tbody',
    {},
    rows.map((row) => element('tr', rowAttributes(row), columns.map((c) => element('td', { class: `${c.name ?? ''}${c.numeric ? ' num' : ''}`.trim() }, [c.cell(row)])))),
  );
  return /** @type {HTMLTableElement} */ (element('table', {}, [head, body]));
}

/** The unused machines: delivery group, machine, sessions (the sum the query filtered on, 0). */
export function unusedTable(/** @type {any[]} */ rows) {
  return buildTable(
    [
      { header: 'Delivery group', name: 'group', cell: (row) => row.DesktopGroup?.Name ?? '' },
      { header: 'Machine', name: 'machine', cell: (row) => row.Machine?.Name ?? '' },
      { header: 'Sessions', name: 'sessions', numeric: true, cell: (row) => String(row.TotalSessionCountSum) },
    ],
    rows,
    (row) => ({ 'data-machine-id': row.MachineId }),
  );
}

/**
 * A delivery group's machines; a machine's name is a button that drills down to its hourly chart.
 * @param {any[]} rows @param {(row: any) => void} onMachine
 */
export function groupMachinesTable(rows, onMachine) {
  const machineButton = (/** @type {any} */ row) => {
    const button = element('button', { type: 'button', class: 'link' }, [row.Machine?.Name ?? row.MachineId]);
    button.addEventListener('click', () => onMachine(row));
    return button;
  };
  return buildTable(
    [
      { header: 'Machine', name: 'machine', cell: machineButton },
      { header: 'Registration', cell: (row) => nameOf(REGISTRATION, row.Machine?.CurrentRegistrationState) },
      { header: 'Power', cell: (row) => nameOf(POWER, row.Machine?.CurrentPowerState) },
      { header: 'Avg CPU %', numeric: true, cell: (row) => fixed(row.AvgPercentCpu) },
      { header: 'Peak CPU %', numeric: true, cell: (row) => fixed(row.PeakPercentCpu) },
      { header: 'Avg memory %', numeric: true, cell: (row) => fixed(row.AvgPercentMemory) },
      { header: 'Sessions', numeric: true, cell: (row) => String(row.Sessions) },
      { header: 'Uptime h', numeric: true, cell: (row) => fixed(row.UptimeInMinutes / 60) },
    ],
    rows,
    (row) => ({ 'data-machine-id': row.MachineId }),
  );
}
