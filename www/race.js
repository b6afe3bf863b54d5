// Panel 1: the race. The native EventSource, ours with DOM events and ours with `for await`
// read the same generated stream (`/stream?gen=tiny`); each hashes every event's data, and
// the count and hash are checked against the server's `/stream/info`. A canvas chart shows
// each reader's events per second (log scale) while they run.
import { $, fmt, fmtRate, el } from './util.js';

export const LANES = [
  { id: 'native', name: 'native EventSource', color: '#7c8799' },
  { id: 'dom', name: 'ours · onmessage', color: '#4f46e5' },
  { id: 'iter', name: 'ours · for await', color: '#0d9488' },
];
const FNV_OFFSET = 0x811c9dc5;

/** A reader's worker, once it has loaded (ours needs its wasm first: not timed). */
function spawn() {
  const worker = new Worker(new URL('./race-worker.js', import.meta.url), { type: 'module' });
  return new Promise((resolve, reject) => {
    worker.onmessage = () => resolve(worker);
    worker.onerror = (e) => reject(new Error(e.message || 'the worker failed to load'));
  });
}

let lanes = [];
let running = false;
let raceStart = 0;

function renderLanes() {
  const list = $('race-lanes');
  list.replaceChildren();
  lanes = LANES.map((spec) => {
    const li = el('li', { class: 'lane', 'data-lane': spec.id, 'data-state': 'idle' });
    const name = el('span', { class: 'name' }, spec.name);
    const bar = el('div', { class: 'bar', role: 'progressbar', 'aria-label': `${spec.name} progress`, 'aria-valuemin': '0', 'aria-valuemax': '100', 'aria-valuenow': '0' });
    const fill = el('div', { class: 'fill' });
    bar.append(fill);
    const nums = el('span', { class: 'nums' }, '—');
    li.append(name, bar, nums);
    list.append(li);
    return { ...spec, li, bar, fill, nums, count: 0, hash: FNV_OFFSET, samples: [], start: 0, end: 0 };
  });
}

function drawChart() {
  const canvas = $('race-chart');
  const dpr = globalThis.devicePixelRatio || 1;
  const w = canvas.clientWidth || 560;
  const h = canvas.clientHeight || 150;
  if (canvas.width !== Math.round(w * dpr)) { canvas.width = Math.round(w * dpr); canvas.height = Math.round(h * dpr); }
  const g = canvas.getContext('2d');
  g.setTransform(dpr, 0, 0, dpr, 0, 0);
  g.clearRect(0, 0, w, h);
  const pad = { l: 44, r: 10, t: 8, b: 18 };
  const rates = lanes.flatMap((l) => l.samples.map((s) => s.rate));
  const top = Math.max(6, Math.ceil(Math.log10(Math.max(1e5, ...rates))));
  const bottom = 3;
  const tMax = Math.max(1000, ...lanes.map((l) => (l.samples.at(-1)?.t ?? 0)));
  const x = (t) => pad.l + (t / tMax) * (w - pad.l - pad.r);
  const y = (r) => {
    const v = Math.log10(Math.max(r, 10 ** bottom));
    return pad.t + (1 - (v - bottom) / (top - bottom)) * (h - pad.t - pad.b);
  };
  g.font = '10px -apple-system, "Segoe UI", Arial, "Liberation Sans", sans-serif';
  g.textBaseline = 'middle';
  for (let p = bottom; p <= top; p += 1) {
    g.strokeStyle = '#e8ecf2';
    g.beginPath(); g.moveTo(pad.l, y(10 ** p)); g.lineTo(w - pad.r, y(10 ** p)); g.stroke();
    g.fillStyle = '#8a93a3';
    g.textAlign = 'right';
    g.fillText(`${fmtRate(10 ** p)}/s`, pad.l - 5, y(10 ** p));
  }
  g.textAlign = 'center';
  g.textBaseline = 'alphabetic';
  const step = tMax > 8000 ? 2000 : tMax > 3000 ? 1000 : tMax > 1500 ? 500 : 250;
  for (let t = 0; t <= tMax; t += step) {
    g.textAlign = x(t) > w - pad.r - 16 ? 'right' : 'center';
    g.fillText(`${(t / 1000).toFixed(step < 1000 ? 2 : 0)} s`, Math.min(x(t), w - 2), h - 4);
  }
  for (const lane of lanes) {
    if (lane.samples.length === 0) continue;
    g.strokeStyle = lane.color;
    g.lineWidth = 2;
    g.lineJoin = 'round';
    g.beginPath();
    // Each point: the mean of the rates around it (3 samples), for a readable line.
    const smooth = lane.samples.map((s, i, all) => {
      const near = all.slice(Math.max(1, i - 1), i + 2).map((n) => n.rate);
      return i === 0 ? s.rate : near.reduce((a, b) => a + b, 0) / near.length;
    });
    lane.samples.forEach((s, i) => (i ? g.lineTo(x(s.t), y(smooth[i])) : g.moveTo(x(s.t), y(s.rate))));
    g.stroke();
    if (lane.end) {
      const last = lane.samples.at(-1);
      g.fillStyle = lane.color;
      g.beginPath(); g.arc(x(last.t), y(smooth.at(-1)), 3.5, 0, Math.PI * 2); g.fill();
    }
  }
}

function showLane(lane, total) {
  const pct = total ? (100 * lane.count) / total : 0;
  lane.fill.style.width = `${Math.min(100, pct)}%`;
  lane.bar.setAttribute('aria-valuenow', String(Math.round(pct)));
  if (lane.li.dataset.state === 'running') {
    const rate = lane.samples.at(-1)?.rate ?? 0;
    lane.nums.textContent = `${fmt(lane.count)} · ${fmtRate(rate)}/s`;
  }
}

/** Runs one lane to its end in `worker`; resolves with the lane (never rejects). */
async function runLane(lane, worker, url, total, expected) {
  lane.li.dataset.state = 'running';
  lane.start = performance.now();
  const offset = lane.start - raceStart;
  lane.samples.push({ t: offset, rate: 0 });
  let prev = { count: 0, t: 0 };
  const result = await new Promise((resolve) => {
    worker.onmessage = ({ data }) => {
      if (data.end) { resolve(data); return; }
      lane.count = data.count;
      if (data.t > prev.t) lane.samples.push({ t: offset + data.t, rate: ((data.count - prev.count) / (data.t - prev.t)) * 1000 });
      prev = data;
    };
    worker.onerror = (e) => resolve({ count: lane.count, error: e.message || 'worker error', ms: performance.now() - lane.start });
    worker.postMessage({ lane: lane.id, url });
  });
  worker.terminate();
  lane.end = lane.start + result.ms;
  lane.count = result.count;
  lane.hash = result.hash;
  lane.error = result.error;
  const done = result.done;
  if (result.ms > prev.t) lane.samples.push({ t: offset + result.ms, rate: ((result.count - prev.count) / (result.ms - prev.t)) * 1000 });
  const ms = lane.end - lane.start;
  const verified = !lane.error && done === total && lane.count === expected.events
    && (lane.hash >>> 0) === expected.fnv1a32;
  lane.ms = ms;
  lane.rate = (lane.count / ms) * 1000;
  lane.verified = verified;
  lane.li.dataset.state = verified ? 'done' : 'failed';
  lane.li.dataset.count = String(lane.count);
  lane.li.dataset.verified = String(verified);
  lane.li.dataset.ms = ms.toFixed(1);
  showLane(lane, total);
  lane.nums.replaceChildren(
    `${(ms / 1000).toFixed(2)} s · ${fmtRate(lane.rate)}/s`,
    el('span', { class: `badge ${verified ? 'ok' : 'bad'}`, title: verified ? `${fmt(lane.count)} events, hash ${(lane.hash >>> 0).toString(16)} = server's` : lane.error ?? 'count or hash mismatch' }, verified ? '✓ verified' : '✗ mismatch'),
  );
  return lane;
}

async function race(total, mode) {
  running = true;
  $('race-start').disabled = true;
  renderLanes();
  $('race-score').textContent = 'Racing…';
  $('race').dataset.state = 'running';
  const info = await (await fetch(`/stream/info?gen=tiny&count=${total}`)).json();
  const url = `/stream?gen=tiny&count=${total}&chunk=16384`;
  let raf = 0;
  let workers;
  try {
    workers = await Promise.all(lanes.map(spawn));
  } catch (e) {
    $('race-score').textContent = `Could not start the readers: ${e.message}`;
    running = false;
    $('race-start').disabled = false;
    return;
  }
  raceStart = performance.now();
  const frame = () => {
    for (const lane of lanes) showLane(lane, total);
    drawChart();
    raf = requestAnimationFrame(frame);
  };
  frame();
  if (mode === 'apart') {
    for (const [i, lane] of lanes.entries()) await runLane(lane, workers[i], url, total, info);
  } else {
    await Promise.all(lanes.map((lane, i) => runLane(lane, workers[i], url, total, info)));
  }
  cancelAnimationFrame(raf);
  for (const lane of lanes) showLane(lane, total);
  drawChart();
  score(total, mode);
  running = false;
  $('race-start').disabled = false;
  $('race').dataset.state = 'finished';
}

function score(total, mode) {
  const ok = lanes.filter((l) => l.verified).sort((a, b) => a.ms - b.ms);
  ok.forEach((lane, i) => lane.nums.prepend(el('span', { class: 'badge place' }, ['1st', '2nd', '3rd'][i]), ' '));
  const native = lanes.find((l) => l.id === 'native');
  const out = $('race-score');
  out.replaceChildren();
  if (ok.length === 0) { out.textContent = 'No reader finished with the right events.'; return; }
  out.append(`${fmt(total)} events ${mode === 'apart' ? 'one by one' : 'side by side'}: `);
  ok.forEach((lane, i) => {
    if (i) out.append(' · ');
    out.append(el('b', { style: `color:${lane.color}` }, lane.name), ` ${(lane.ms / 1000).toFixed(2)} s`);
    if (native?.verified && lane !== native) out.append(` (${(native.ms / lane.ms).toFixed(1)}× native)`);
  });
  const failed = lanes.filter((l) => !l.verified);
  if (failed.length) out.append(` · failed: ${failed.map((l) => l.name).join(', ')}`);
}

export function setupRace() {
  renderLanes();
  drawChart();
  $('race-form').addEventListener('submit', (e) => {
    e.preventDefault();
    if (!running) race(Number($('race-count').value), $('race-mode').value);
  });
  return { get lanes() { return lanes; } };
}
