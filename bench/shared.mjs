// N tabs on one event stream, `shared: true` versus one connection per tab (issue #13):
// connections at the server, tabs that actually receive events, and the CPU time of the
// whole browser (every Chromium process) while the stream runs. Not part of the tests.
//
//   source scripts/lib.sh; bash scripts/build.sh; start_server
//   node bench/shared.mjs [--tabs 2,4,8] [--seconds 5] [--interval 20]; stop_server
//
// Each tab is a page of one browser context (same origin, so the shared tabs elect one
// leader). Over HTTP/1.1 Chromium opens at most 6 connections per origin: without sharing
// the 7th tab on waits (and so would every other request to that server).
import { readFileSync, readdirSync } from 'node:fs';
import { chromium } from 'playwright-core';
import { CHROMIUM, CHROMIUM_FLAGS } from '../tests/browser/chromium.mjs';

const server = process.env.SSE_SERVER_URL;
if (!server) throw new Error('SSE_SERVER_URL is not set: run start_server (scripts/lib.sh) first');

const args = process.argv.slice(2);
/** @param {string} name @param {string} fallback */
const arg = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : fallback;
};
const tabCounts = arg('tabs', '2,4,8').split(',').map(Number);
const seconds = Number(arg('seconds', '5'));
const interval = Number(arg('interval', '20'));
const TICKS = 100; // USER_HZ on Linux

/** CPU seconds (user + system) of `pid` and every descendant. */
function treeCpu(/** @type {number} */ root) {
  const parent = new Map();
  const cpu = new Map();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      parent.set(Number(name), Number(fields[1]));
      cpu.set(Number(name), (Number(fields[11]) + Number(fields[12])) / TICKS);
    } catch { /* gone */ }
  }
  let total = 0;
  for (const [pid, seconds_] of cpu) {
    for (let p = pid; p > 1; p = parent.get(p) ?? 0) {
      if (p === root) { total += seconds_; break; }
    }
  }
  return total;
}

/** The browser process: the Chromium whose command line carries our tag. */
function browserPid(/** @type {string} */ tag) {
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const cmdline = readFileSync(`/proc/${name}/cmdline`, 'utf8');
      if (cmdline.includes(tag) && !cmdline.includes('--type=')) return Number(name);
    } catch { /* gone */ }
  }
  throw new Error('browser process not found');
}

const sleep = (/** @type {number} */ ms) => new Promise((r) => setTimeout(r, ms));

async function live(/** @type {string} */ key) {
  return (await (await fetch(`${server}/live?key=${key}`)).json()).live;
}

/**
 * @param {number} tabs
 * @param {boolean} shared
 */
async function run(tabs, shared) {
  const tag = `--bench-tag=${Math.random().toString(36).slice(2)}`;
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: [...CHROMIUM_FLAGS, tag] });
  try {
    const context = await browser.newContext();
    const key = `bench-shared-${shared}-${tabs}-${Date.now().toString(36)}`;
    const pages = [];
    for (let i = 0; i < tabs; i += 1) {
      const page = await context.newPage();
      // Past 6 unshared tabs the page itself cannot load (its requests wait for a
      // connection): do not wait for it.
      await page.goto(`${server}/bench/shared.html?key=${key}&interval=${interval}${shared ? '&shared=1' : ''}`,
        { waitUntil: 'commit', timeout: 5000 }).catch(() => {});
      pages.push(page);
    }
    await sleep(2000);
    const pid = browserPid(tag);
    const counts = async () => Promise.all(pages.map((p) => p.evaluate(() => globalThis.__count ?? 0).catch(() => 0)));
    const before = await counts();
    const cpu0 = treeCpu(pid);
    await sleep(seconds * 1000);
    const cpu = treeCpu(pid) - cpu0;
    const after = await counts();
    const connections = await live(key);
    const receiving = after.filter((n, i) => n > before[i]).length;
    const events = after.reduce((sum, n, i) => sum + n - before[i], 0);
    return { tabs, shared, connections, receiving, events, cpu };
  } finally {
    await browser.close();
  }
}

const rows = [];
for (const tabs of tabCounts) {
  for (const shared of [false, true]) rows.push(await run(tabs, shared));
}
console.log(`\n${seconds} s of a clock stream (one event every ${interval} ms), Chromium headless\n`);
console.log('| tabs | shared | connections at the server | tabs receiving | events received | browser CPU (s) | CPU per 1000 events (ms) |');
console.log('|---:|:---:|---:|---:|---:|---:|---:|');
for (const r of rows) {
  const per = r.events === 0 ? '–' : ((r.cpu * 1000 * 1000) / r.events).toFixed(1);
  console.log(`| ${r.tabs} | ${r.shared ? 'yes' : 'no'} | ${r.connections} | ${r.receiving} | ${r.events} | ${r.cpu.toFixed(2)} | ${per} |`);
}
