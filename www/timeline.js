// Panel 2: the reconnection timeline. A scripted `/sse` stream fails in a different way on
// each connection (TCP reset, a cut chunked body, a reset before any event, a clean end);
// ours reconnects with `Last-Event-ID`. The bars are drawn from the client's `open`,
// `message` and `error` events; the `Last-Event-ID` column is what the server received,
// read back from its request log (`/log?key=…`).
import { EventSource } from '../js/index.js';
import { $, el } from './util.js';

const SVG = 'http://www.w3.org/2000/svg';

/** One event on the wire. */
const ev = (id) => `w:${encodeURIComponent(`id: ${id}\ndata: tick ${id}\n\n`)}`;
/** `ids` as events, 220 ms apart, then a short pause. */
const ticks = (ids) => [...ids.flatMap((id, i) => (i ? ['s:220', ev(id)] : [ev(id)])), 's:150'];

/** The script of each connection (`sN`), and how it ends. */
const SCRIPTS = [
  { steps: [`w:${encodeURIComponent('retry: 300\n\n')}`, ...ticks([1, 2, 3, 4]), 'rst'], end: 'TCP reset' },
  { steps: [...ticks([5, 6, 7, 8]), 'abort'], end: 'chunked body cut' },
  { steps: ['rst'], end: 'reset, no event' },
  { steps: [...ticks([9, 10, 11, 12]), 'end'], end: 'clean end' },
];
const LAST = { steps: [ev(13), 's:220', `w:${encodeURIComponent('event: done\ndata: bye\n\n')}`, 'hang'], end: 'done: closed' };

let run = null;

function scenarioUrl(key) {
  const q = SCRIPTS.map((s, i) => `s${i}=${s.steps.join('|')}`);
  q.push(`s=${LAST.steps.join('|')}`);
  return `/sse?key=${key}&${q.join('&')}`;
}

function svg(tag, attrs, text) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (text !== undefined) node.textContent = text;
  return node;
}

function draw() {
  const root = $('tl-svg');
  root.replaceChildren();
  const W = 560;
  const now = performance.now() - run.t0;
  const end = run.closedAt ?? now;
  const tMax = Math.max(4800, end + 200);
  const x = (t) => 8 + (t / tMax) * (W - 16);
  const Y = 30;
  const H = 18;
  root.append(svg('line', { x1: 8, x2: W - 8, y1: 76, y2: 76, stroke: '#d5dbe5' }));
  for (let t = 0; t <= tMax; t += 1000) {
    root.append(svg('line', { x1: x(t), x2: x(t), y1: 73, y2: 79, stroke: '#b8c1cf' }));
    root.append(svg('text', { x: x(t), y: 91, 'text-anchor': 'middle' }, `${t / 1000} s`));
  }
  // Labels that would overlap the previous one are left out (the table has them all).
  let topFree = 0;
  let bottomFree = 0;
  const width = (text) => text.length * 5.6;
  /** Where `text` can start at or after `at` (pulled left at the right edge), or null. */
  const place = (at, text, free) => {
    const left = Math.min(at, W - 4 - width(text));
    return left >= free ? left : null;
  };
  run.conns.forEach((c, i) => {
    const from = c.openAt ?? c.requestAt;
    const to = c.endAt ?? end;
    if (c.openAt !== undefined) {
      root.append(svg('rect', { x: x(from), y: Y, width: Math.max(2, x(to) - x(from)), height: H, rx: 4, fill: '#4f46e5', opacity: 0.9 }));
      for (const t of c.eventTimes) root.append(svg('line', { x1: x(t), x2: x(t), y1: Y + 4, y2: Y + H - 4, stroke: '#fff', 'stroke-width': 1.5 }));
    }
    const lid = run.server[i]?.lastEventId;
    const label = i === 0 ? 'first request' : lid === undefined ? null : lid ? `Last-Event-ID ${lid}` : 'no Last-Event-ID';
    const at = label && c.openAt !== undefined ? place(x(from), label, topFree) : null;
    if (at !== null) {
      root.append(svg('text', { class: 'lid', x: at, y: Y - 6 }, label));
      topFree = at + width(label) + 6;
    }
    if (c.endAt !== undefined) {
      const failed = c.reason !== LAST.end;
      root.append(svg('text', { class: failed ? 'drop' : '', x: x(c.endAt), y: Y + H / 2 + 4, 'text-anchor': 'middle', 'font-size': 13 }, failed ? '✕' : '■'));
      const half = c.short.length * 2.8;
      if (x(c.endAt) - half >= bottomFree) {
        root.append(svg('text', { class: failed ? 'drop' : '', x: x(c.endAt), y: Y + H + 13, 'text-anchor': 'middle' }, c.short));
        bottomFree = x(c.endAt) + half + 6;
      }
      const next = run.conns[i + 1];
      if (c.delay != null && next) {
        const until = next.requestAt ?? next.openAt;
        root.append(svg('line', { x1: x(c.endAt) + 5, x2: x(until), y1: Y + H / 2, y2: Y + H / 2, stroke: '#9aa5b5', 'stroke-dasharray': '3 3' }));
      }
    }
  });
}

function renderTable() {
  const body = $('tl-table').tBodies[0];
  body.replaceChildren();
  run.conns.forEach((c, i) => {
    const lid = run.server[i]?.lastEventId;
    const ids = c.ids.length ? (c.ids.length > 1 ? `${c.ids[0]}–${c.ids.at(-1)}` : c.ids[0]) : '';
    const tr = el('tr', { 'data-conn': String(i), 'data-last-event-id': lid ?? '' },
      el('td', {}, String(i)),
      el('td', { class: 'mono' }, lid === undefined ? '…' : lid === '' ? '(none)' : lid),
      el('td', {}, `${c.events}${ids ? ` (id ${ids})` : ''}`),
      el('td', { class: c.endAt !== undefined && c.reason !== LAST.end ? 'drop' : '' }, c.endAt === undefined ? 'open' : `${c.reason}${c.phase ? ` · ${c.phase}` : ''}`),
      el('td', {}, c.delay == null ? '' : `${c.delay} ms${c.gap != null ? ` · measured ${Math.round(c.gap)}` : ''}`));
    body.append(tr);
  });
}

async function readLog() {
  const key = run.key;
  const log = await (await fetch(`/log?key=${key}`)).json();
  if (run.key !== key) return;
  const reqs = log.requests.filter((r) => r.conn !== null).sort((a, b) => a.conn - b.conn);
  run.server = reqs.map((r) => ({ lastEventId: r.headers['last-event-id'] ?? '', t: r.t }));
  run.conns.forEach((c, i) => {
    if (run.server[i + 1]) c.gap = run.server[i + 1].t - run.server[i].t - (c.endAt - (c.openAt ?? c.requestAt));
  });
}

function update() {
  draw();
  renderTable();
  const reconnects = Math.max(0, run.conns.length - 1);
  $('timeline').dataset.reconnects = String(reconnects);
}

function start() {
  run?.source?.close();
  const key = `tl-${Math.random().toString(36).slice(2, 10)}`;
  run = { key, t0: performance.now(), conns: [], server: [], closedAt: null, dropAt: null };
  const t = () => performance.now() - run.t0;
  const current = () => run.conns.at(-1);
  const begin = () => run.conns.push({ requestAt: t(), events: 0, ids: [], eventTimes: [] });
  $('timeline').dataset.state = 'running';
  $('tl-start').disabled = true;
  $('tl-drop').disabled = false;
  $('tl-status').textContent = 'Running…';
  begin();
  const source = new EventSource(scenarioUrl(key), { reconnect: { initialDelay: 300, multiplier: 2, maxDelay: 4000 } });
  run.source = source;
  source.onopen = () => {
    current().openAt = t();
    readLog().then(update);
  };
  source.onmessage = (e) => {
    const c = current();
    c.events += 1;
    c.ids.push(e.lastEventId);
    c.eventTimes.push(t());
  };
  const ended = (reason, phase, delay) => {
    const c = current();
    c.endAt = t();
    const n = run.conns.length - 1;
    const dropped = run.dropAt !== null && c.endAt - run.dropAt < 1500;
    c.reason = reason ?? (dropped ? 'dropped by you' : (SCRIPTS[n] ?? LAST).end);
    c.short = dropped ? 'your drop' : c.reason === 'chunked body cut' ? 'cut' : c.reason.replace(', no event', '').replace('TCP ', '');
    c.phase = phase;
    c.delay = delay;
    if (dropped) run.dropAt = null;
  };
  source.onerror = (e) => {
    ended(undefined, e.phase, e.willRetry ? e.delay : null);
    if (e.willRetry) setTimeout(() => { if (run.source === source) begin(); update(); }, Math.max(0, e.delay ?? 0));
    update();
  };
  source.addEventListener('done', () => {
    source.close();
    ended(LAST.end, '', null);
    run.closedAt = t();
    finish();
  });
  const timer = setInterval(() => (run.source === source && run.closedAt === null ? draw() : clearInterval(timer)), 100);
}

async function finish() {
  await readLog();
  update();
  const reconnects = run.conns.length - 1;
  const resumed = run.server.slice(1).filter((s) => s.lastEventId).length;
  const ids = run.conns.flatMap((c) => c.ids).map(Number);
  const inOrder = ids.every((id, i) => id === i + 1);
  $('tl-status').replaceChildren(`${reconnects} reconnections, `, el('b', {}, `${resumed} resumed with Last-Event-ID`),
    ` (the server received ${run.server.slice(1).map((s) => s.lastEventId || '—').join(', ')}); `,
    inOrder ? `ids 1–${ids.length} arrived once each, in order.` : `ids received: ${ids.join(', ')} (each connection plays the next script, whatever id it resumes from).`);
  $('timeline').dataset.inOrder = String(inOrder);
  $('timeline').dataset.state = 'finished';
  $('tl-start').disabled = false;
  $('tl-drop').disabled = true;
}

export function setupTimeline() {
  $('tl-start').addEventListener('click', start);
  $('tl-drop').addEventListener('click', async () => {
    if (!run) return;
    run.dropAt = performance.now() - run.t0;
    await fetch(`/demo/drop?key=${run.key}`);
  });
  return { get run() { return run; } };
}
