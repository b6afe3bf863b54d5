// The recipes in docs/recipes/, built as an app would build them (esbuild bundles each
// with React, Vue or TanStack Query from node_modules; the wasm is copied next to the
// bundles, as the glue loads it from `new URL(…, import.meta.url)`), then run in Debian's
// Chromium against the real loopback server, which counts the live connections
// (`/live?key=K`): a recipe that leaks a source or a connection fails here.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, mkdirSync, copyFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { launchChromium } from './chromium.mjs';
import { startServer } from './node_util.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const recipes = join(root, 'docs/recipes');

let dir;
let server;
let base;
let browser;

const enc = (s) => encodeURIComponent(s).replace(/[!'()*|]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
const key = (name) => `${name}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
/** Two events (an unnamed one with an id, a `ping`), then the stream stays open. */
const stream = (k) => `/sse?key=${k}&s=${enc('w:id: 1\ndata: hello\n\nevent: ping\ndata: pong\n\n')}|hang`;

/** Polls the server until `/live?key=k` reports `n` open connections. */
async function liveBecomes(k, n) {
  const deadline = Date.now() + 10_000;
  let live;
  for (;;) {
    ({ live } = await (await fetch(`${base}/live?key=${k}`)).json());
    if (live === n) return;
    assert.ok(Date.now() < deadline, `key ${k}: ${live} live connections, expected ${n}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const HTML = (script) => `<!doctype html><div id="app"></div><script type="module" src="./${script}"></script>`;

const ENTRIES = {
  // React 19 in development mode, so that <StrictMode> rehearses every effect.
  'react.jsx': `
import { StrictMode, useEffect } from 'react';
import { createRoot } from 'react-dom/client';
import { Feed } from '${recipes}/react.jsx';
function EffectProbe() {
  useEffect(() => { globalThis.effectRuns = (globalThis.effectRuns ?? 0) + 1; }, []);
  return null;
}
const url = new URLSearchParams(location.search).get('stream');
const root = createRoot(document.getElementById('app'));
root.render(<StrictMode><EffectProbe /><Feed url={url} /></StrictMode>);
globalThis.unmount = () => root.unmount();
`,
  'vue.js': `
import { createApp } from 'vue';
import { Feed } from '${recipes}/vue.js';
const app = createApp(Feed, { url: new URLSearchParams(location.search).get('stream') });
app.mount('#app');
globalThis.unmount = () => app.unmount();
`,
  'query.js': `
import { QueryClient, QueryObserver } from '@tanstack/query-core';
import { sseQueryOptions } from '${recipes}/tanstack-query.js';
const client = new QueryClient();
const url = new URLSearchParams(location.search).get('stream');
const observer = new QueryObserver(client, sseQueryOptions(url));
globalThis.unsubscribe = observer.subscribe((r) => {
  globalThis.result = { status: r.status, fetchStatus: r.fetchStatus, data: r.data };
});
globalThis.cancel = () => client.cancelQueries({ queryKey: sseQueryOptions(url).queryKey });
`,
  'worker.js': `
import { openInWorker } from '${recipes}/worker-client.js';
globalThis.seen = [];
const handle = openInWorker(new URLSearchParams(location.search).get('stream'), ['message', 'ping'],
  (m) => globalThis.seen.push(m));
globalThis.closeSource = handle.close;
`,
};

before(async () => {
  assert.ok(existsSync(join(root, 'pkg/eventsource_wasm_bg.wasm')), 'build the package first (scripts/build.sh)');
  dir = mkdtempSync(join(tmpdir(), 'eventsource-wasm-recipes-'));
  mkdirSync(join(dir, 'src'));
  const entryPoints = { 'sse-worker': join(recipes, 'sse-worker.js') };
  for (const [file, code] of Object.entries(ENTRIES)) {
    writeFileSync(join(dir, 'src', file), code);
    const name = file.replace(/\.jsx?$/, '');
    entryPoints[name] = join(dir, 'src', file);
    writeFileSync(join(dir, `${name}.html`), HTML(`dist/${name}.js`));
  }
  await esbuild.build({
    entryPoints,
    bundle: true,
    splitting: true, // the worker imports the package dynamically (see sse-worker.js)
    format: 'esm',
    outdir: join(dir, 'dist'),
    jsx: 'automatic',
    nodePaths: [join(root, 'node_modules')],
    // The package by name, as an app imports it (this checkout is the package).
    alias: { 'eventsource-wasm': join(root, 'js/index.js') },
    define: {
      'process.env.NODE_ENV': '"development"',
      __VUE_OPTIONS_API__: 'true',
      __VUE_PROD_DEVTOOLS__: 'false',
      __VUE_PROD_HYDRATION_MISMATCH_DETAILS__: 'false',
    },
    logLevel: 'error',
  });
  copyFileSync(join(root, 'pkg/eventsource_wasm_bg.wasm'), join(dir, 'dist/eventsource_wasm_bg.wasm'));
  ({ child: server, url: base } = await startServer(dir));
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  server?.kill();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Opens `name.html` for a fresh key; returns the page, the key and the page errors. */
async function open(name) {
  const k = key(name);
  const page = await browser.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${base}/${name}.html?stream=${encodeURIComponent(stream(k))}`);
  return { page, k, errors };
}

const items = (page) => page.$$eval('li', (lis) => lis.map((li) => li.textContent));

test('recipe React: StrictMode double mount leaves one connection; unmount closes it', async () => {
  const { page, k, errors } = await open('react');
  await page.waitForFunction(() => document.querySelectorAll('li').length >= 2, null, { timeout: 15_000 });
  // StrictMode did rehearse the effects (a development build): mount, cleanup, mount.
  assert.equal(await page.evaluate(() => globalThis.effectRuns), 2);
  await liveBecomes(k, 1);
  // The rehearsal's source was closed before it could deliver: no duplicate events.
  assert.deepEqual(await items(page), ['message: hello', 'ping: pong']);
  await page.evaluate(() => globalThis.unmount());
  await liveBecomes(k, 0);
  assert.deepEqual(errors, []);
  await page.close();
});

test('recipe Vue: the composable delivers events and closes with the component', async () => {
  const { page, k, errors } = await open('vue');
  await page.waitForFunction(() => document.querySelectorAll('li').length >= 2, null, { timeout: 15_000 });
  assert.deepEqual(await items(page), ['message: hello', 'ping: pong']);
  await liveBecomes(k, 1);
  await page.evaluate(() => globalThis.unmount());
  await liveBecomes(k, 0);
  assert.deepEqual(errors, []);
  await page.close();
});

test('recipe TanStack Query: streamedQuery collects events; the last observer leaving closes the connection', async () => {
  const { page, k, errors } = await open('query');
  await page.waitForFunction(() => globalThis.result?.data?.length >= 2, null, { timeout: 15_000 });
  const { status, fetchStatus, data } = await page.evaluate(() => globalThis.result);
  assert.deepEqual(data, [{ type: 'message', data: 'hello' }, { type: 'ping', data: 'pong' }]);
  assert.equal(status, 'success');
  assert.equal(fetchStatus, 'fetching'); // the stream is still open
  await liveBecomes(k, 1);
  await page.evaluate(() => globalThis.unsubscribe());
  await liveBecomes(k, 0);
  assert.deepEqual(errors, []);
  await page.close();
});

test('recipe TanStack Query: cancelQueries aborts the signal and closes the connection', async () => {
  const { page, k, errors } = await open('query');
  await page.waitForFunction(() => globalThis.result?.data?.length >= 2, null, { timeout: 15_000 });
  await liveBecomes(k, 1);
  await page.evaluate(() => globalThis.cancel());
  await liveBecomes(k, 0);
  await page.waitForFunction(() => globalThis.result.fetchStatus === 'idle', null, { timeout: 5_000 });
  assert.equal((await page.evaluate(() => globalThis.result)).data.length, 2);
  assert.deepEqual(errors, []);
  await page.close();
});

test('recipe worker: a dedicated worker owns the connection and posts the events', async () => {
  const { page, k, errors } = await open('worker');
  await page.waitForFunction(() => globalThis.seen.length >= 2, null, { timeout: 15_000 });
  assert.deepEqual(await page.evaluate(() => globalThis.seen), [
    { type: 'message', data: 'hello', id: '1' },
    { type: 'ping', data: 'pong', id: '1' },
  ]);
  await liveBecomes(k, 1);
  await page.evaluate(() => globalThis.closeSource());
  await page.waitForFunction(() => globalThis.seen.some((m) => m.type === 'closed'), null, { timeout: 5_000 });
  await liveBecomes(k, 0);
  assert.deepEqual(errors, []);
  await page.close();
});
