// The package as users get it: `npm pack`, installed into a fresh project, then used
// (1) from a plain page with <script type=module> and an import map, no bundler,
// (2) from an app built by Vite, (3) from a module Web Worker. Each receives real events
// from the loopback SSE server, driven in Debian's Chromium by playwright-core (and, through
// consumers.{firefox,webkit}.test.mjs, in Firefox ESR and WebKitGTK: consumer_engine.mjs).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, mkdirSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openEngine } from './consumer_engine.mjs';
import { startServer } from './node_util.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

let project;
let server;
let base;
let browser;

const STREAM = '/sse?s=w:id%3A%201%0Adata%3A%20hello%0A%0Aevent%3A%20ping%0Adata%3A%20pong%0A%0A|hang';

// The app every consumer runs: receives two events and reports them.
const APP = `
export async function run(EventSource) {
  const source = new EventSource(${JSON.stringify(STREAM)});
  const seen = [];
  await new Promise((resolve, reject) => {
    setTimeout(() => reject(new Error('no events within 8 s')), 8000);
    source.onmessage = (e) => seen.push(['message', e.data, e.lastEventId]);
    source.addEventListener('ping', (e) => { seen.push(['ping', e.data]); resolve(); });
  });
  source.close();
  return { seen, readyState: source.readyState, isEventTarget: source instanceof EventTarget };
}
`;

const EXPECTED = {
  seen: [['message', 'hello', '1'], ['ping', 'pong']],
  readyState: 2,
  isEventTarget: true,
};

before(async () => {
  assert.ok(existsSync(join(root, 'pkg/eventsource_wasm_bg.wasm')), 'build the package first (scripts/build.sh)');
  project = mkdtempSync(join(tmpdir(), 'eventsource-wasm-consumer-'));
  const packed = JSON.parse(execFileSync('npm', ['pack', '--json', '--pack-destination', project], { cwd: root, encoding: 'utf8' }));
  const tarball = join(project, packed[0].filename);
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', tarball], { cwd: project, stdio: 'inherit' });

  // (1) A plain page: an import map points the bare specifier at node_modules.
  writeFileSync(join(project, 'app.js'), APP);
  writeFileSync(join(project, 'plain.html'), `<!doctype html>
<script type="importmap">{"imports": {"eventsource-wasm": "./node_modules/eventsource-wasm/pkg/index.js"}}</script>
<script type="module">
  import { EventSource } from 'eventsource-wasm';
  import { run } from './app.js';
  run(EventSource).then((r) => { globalThis.__result = r; }, (e) => { globalThis.__result = { error: String(e) }; });
</script>`);

  // (3) A module worker importing the package by path.
  writeFileSync(join(project, 'worker.js'), `
import { EventSource } from './node_modules/eventsource-wasm/pkg/index.js';
import { run } from './app.js';
run(EventSource).then((r) => postMessage(r), (e) => postMessage({ error: String(e) }));
`);
  writeFileSync(join(project, 'worker.html'), `<!doctype html>
<script type="module">
  const worker = new Worker('./worker.js', { type: 'module' });
  worker.onmessage = (e) => { globalThis.__result = e.data; };
  worker.onerror = (e) => { globalThis.__result = { error: String(e.message) }; };
</script>`);

  // (2) A Vite app importing the package by name.
  mkdirSync(join(project, 'vite-app'));
  writeFileSync(join(project, 'vite-app/index.html'), `<!doctype html>
<script type="module" src="./main.js"></script>`);
  writeFileSync(join(project, 'vite-app/main.js'), `${APP}
import { EventSource } from 'eventsource-wasm';
run(EventSource).then((r) => { globalThis.__result = r; }, (e) => { globalThis.__result = { error: String(e) }; });
`);
  execFileSync(process.execPath, [join(root, 'node_modules/vite/bin/vite.js'), 'build', '--logLevel', 'warn', '--base', './',
    '--outDir', join(project, 'vite-dist'), '--emptyOutDir'], { cwd: join(project, 'vite-app'), stdio: 'inherit' });

  ({ child: server, url: base } = await startServer(project));
  browser = await openEngine();
});

after(async () => {
  await browser?.close();
  server?.kill();
  if (project) rmSync(project, { recursive: true, force: true });
});

async function resultOf(path) {
  const { result, errors } = await browser.resultOf(`${base}${path}`, 20_000);
  assert.deepEqual(errors, []);
  return result;
}

test('the packed tarball holds the entry points, types and the wasm', () => {
  const files = JSON.parse(execFileSync('npm', ['pack', '--dry-run', '--json'], { cwd: root, encoding: 'utf8' }))[0].files.map((f) => f.path);
  for (const f of ['pkg/index.js', 'pkg/polyfill.js', 'pkg/lazy.js', 'js/lazy.node.js', 'js/index.d.ts', 'js/node.js', 'js/deno.js', 'js/polyfill.js', 'js/polyfill.node.js', 'js/polyfill.deno.js', 'js/event_source.js', 'pkg/eventsource_wasm.js', 'pkg/eventsource_wasm_bg.wasm', 'package.json']) {
    assert.ok(files.includes(f), `${f} is in the tarball`);
  }
  const manifest = JSON.parse(readFileSync(join(project, 'node_modules/eventsource-wasm/package.json'), 'utf8'));
  assert.equal(manifest.exports['.'].types, './js/index.d.ts');
  // Every entry the manifest names is in the tarball.
  const targets = (e) => (typeof e === 'string' ? [e] : Object.values(e).flatMap(targets));
  for (const f of targets(manifest.exports)) {
    assert.ok(files.includes(f.slice(2)), `${f} (named by exports) is in the tarball`);
  }
});

test('a plain <script type=module> page (import map, no bundler) receives events', async () => {
  assert.deepEqual(await resultOf('/plain.html'), EXPECTED);
});

test('a module Web Worker importing the package receives events', async () => {
  assert.deepEqual(await resultOf('/worker.html'), EXPECTED);
});

test('a Vite-built app importing the package by name receives events', async () => {
  assert.ok(existsSync(join(project, 'vite-dist/index.html')), 'vite built the app');
  assert.deepEqual(await resultOf('/vite-dist/index.html'), EXPECTED);
});
