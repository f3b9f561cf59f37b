// The pDNS timeline: one row per rdata (per name for reverse lookups), with a bar from first
// to last seen for each record, drawn as SVG.
import { el, fill, formatTime, svg, table } from './dom.js';

const LABEL_WIDTH = 280;
const PLOT_WIDTH = 640;
const ROW_HEIGHT = 22;
const AXIS_HEIGHT = 28;
const MIN_BAR = 3;

// Group records into rows keyed by what changed over time: the rdata of a forward lookup, the
// rrname of a reverse one.
export function timelineRows(records, reverse) {
  const rows = new Map();
  for (const record of records) {
    const key = reverse ? record.rrname : record.rdata;
    const label = `${key ?? ''}${reverse ? '' : ` (${record.rrtype ?? '?'})`}`;
    if (!rows.has(label)) rows.set(label, { label, records: [] });
    rows.get(label).records.push(record);
  }
  const list = [...rows.values()];
  const start = (row) => Math.min(...row.records.map((r) => r.time_first ?? Infinity));
  // Ties go by code point order, not locale, so the order is the same in every browser.
  const byLabel = (a, b) => Number(a.label > b.label) - Number(a.label < b.label);
  list.sort((a, b) => start(a) - start(b) || byLabel(a, b));
  return list;
}

// Tick times between t0 and t1 (epoch seconds) at month or year boundaries, about eight.
function ticks(t0, t1) {
  const span = t1 - t0;
  const monthStep = [1, 2, 3, 6, 12, 24, 60].find((m) => span / (m * 30.4 * 86400) <= 8) ?? 120;
  const out = [];
  const first = new Date(t0 * 1000);
  let date = new Date(Date.UTC(first.getUTCFullYear(), first.getUTCMonth() + 1, 1));
  if (monthStep >= 12) date = new Date(Date.UTC(first.getUTCFullYear() + 1, 0, 1));
  while (date.getTime() / 1000 <= t1 && out.length < 50) {
    out.push(date.getTime() / 1000);
    date = new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + monthStep, 1));
  }
  return out;
}

function drawChart(rows) {
  const times = rows.flatMap((row) => row.records.flatMap((r) => [r.time_first, r.time_last]))
    .filter((t) => typeof t === 'number');
  const t0 = Math.min(...times);
  const t1 = Math.max(t0 + 86400, Math.max(...times));
  const x = (t) => LABEL_WIDTH + ((t - t0) / (t1 - t0)) * PLOT_WIDTH;
  const height = AXIS_HEIGHT + rows.length * ROW_HEIGHT + 4;
  const width = LABEL_WIDTH + PLOT_WIDTH + 40;

  const axis = ticks(t0, t1).map((t) => {
    const label = new Date(t * 1000).toISOString().slice(0, 7);
    return svg('g', { class: 'tick' },
      svg('line', { x1: x(t), x2: x(t), y1: AXIS_HEIGHT - 6, y2: height }),
      svg('text', { x: x(t), y: AXIS_HEIGHT - 10, 'text-anchor': 'middle' }, label));
  });

  const bars = rows.map((row, i) => {
    const y = AXIS_HEIGHT + i * ROW_HEIGHT;
    return svg('g', { class: 'row', 'data-label': row.label },
      svg('text', { class: 'row-label', x: LABEL_WIDTH - 8, y: y + ROW_HEIGHT * 0.7, 'text-anchor': 'end' },
        row.label.length > 40 ? `${row.label.slice(0, 39)}…` : row.label),
      row.records.map((r) => {
        const first = r.time_first ?? t0;
        const last = r.time_last ?? first;
        const barWidth = Math.max(MIN_BAR, x(last) - x(first));
        return svg('rect', { class: 'bar', x: x(first), y: y + 4, width: barWidth, height: ROW_HEIGHT - 8, rx: 2 },
          svg('title', null,
            `${r.rrname ?? ''} ${r.rrtype ?? ''} ${r.rdata ?? ''}\n` +
            `${formatTime(r.time_first)} to ${formatTime(r.time_last)}, ${r.count ?? '?'} times`));
      }));
  });

  return svg('svg', {
    class: 'timeline', width, height, viewBox: `0 0 ${width} ${height}`, role: 'img',
    'aria-label': `pDNS timeline, ${rows.length} rows from ${formatTime(t0)} to ${formatTime(t1)}`,
  }, axis, bars);
}

// Render the chart and the record table into container.
export function renderTimeline(container, records, reverse) {
  if (records.length === 0) {
    fill(container, el('p', { class: 'empty' }, 'No pDNS records.'));
    return;
  }
  const rows = timelineRows(records, reverse);
  fill(container,
    el('h3', null, reverse ? 'Names that pointed here, over time' : 'Answers over time'),
    el('div', { class: 'chart' }, drawChart(rows)),
    table([
      ['rrname', (r) => r.rrname ?? ''],
      ['rrtype', (r) => r.rrtype ?? ''],
      ['rdata', (r) => r.rdata ?? ''],
      ['first seen', (r) => formatTime(r.time_first)],
      ['last seen', (r) => formatTime(r.time_last)],
      ['count', (r) => r.count ?? ''],
      ['sources', (r) => r.sources ?? r.source ?? ''],
    ], records, { class: 'records', id: 'pdns-table' }));
}
