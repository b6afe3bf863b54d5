// The package in Node, Deno and Bun against the loopback SSE server: `npm pack`, unpacked
// into a fresh project's node_modules, then the same runtime-neutral script
// (tests/runtimes/check.mjs) run in each runtime. Asserts which entry each runtime resolved
// (export conditions: `deno` → js/deno.js, `node` → js/node.js in Node and Bun), and that
// every check passed. Deno runs with no read permission: only --allow-net=127.0.0.1 and
// --allow-env=SSE_SERVER_URL. deno and bun are devDependencies (their npm packages ship the
// binaries). Needs SSE_SERVER_URL and a built pkg/ (scripts/test.sh).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, execFile } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync, copyFileSync, rmSync, existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const server = process.env.SSE_SERVER_URL;
const bin = (name) => join(root, 'node_modules/.bin', name);
// The checks in tests/runtimes/check.mjs; each runtime must report all of them passed.
const CHECKS = 7;

let project;

before(() => {
  assert.ok(server, 'SSE_SERVER_URL is not set: run scripts/test.sh');
  assert.ok(existsSync(join(root, 'pkg/eventsource_wasm_bg.wasm')), 'build the package first (scripts/build.sh)');
  project = mkdtempSync(join(tmpdir(), 'esw-runtimes-'));
  execFileSync('npm', ['pack', '--silent', '--pack-destination', project], { cwd: root });
  const tarball = readdirSync(project).find((f) => f.endsWith('.tgz'));
  const dir = join(project, 'node_modules/eventsource-wasm');
  mkdirSync(dir, { recursive: true });
  execFileSync('tar', ['-xzf', join(project, tarball), '-C', dir, '--strip-components=1']);
  writeFileSync(join(project, 'package.json'), JSON.stringify({
    name: 'runtime-consumer', private: true, type: 'module', dependencies: { 'eventsource-wasm': '*' },
  }));
  copyFileSync(join(root, 'tests/runtimes/check.mjs'), join(project, 'check.mjs'));
});

after(() => {
  if (project) rmSync(project, { recursive: true, force: true });
});

/** Runs check.mjs with `command args`; resolves with its stdout lines (stderr on failure). */
function runCheck(command, args) {
  return new Promise((resolvePromise) => {
    execFile(command, [...args, 'check.mjs'], {
      cwd: project,
      timeout: 40_000,
      env: { ...process.env, SSE_SERVER_URL: server, DENO_NO_UPDATE_CHECK: '1', NO_COLOR: '1' },
    }, (error, stdout, stderr) => resolvePromise({ error, stdout, stderr }));
  });
}

async function checkRuntime(command, args, { runtime, entry, polyfill }) {
  assert.ok(existsSync(command), `${command} is missing: run npm ci`);
  const { error, stdout, stderr } = await runCheck(command, args);
  const lines = stdout.trim().split('\n');
  const context = `\n--- stdout\n${stdout}\n--- stderr\n${stderr}`;
  assert.match(lines[0] ?? '', new RegExp(`^runtime: ${runtime} `), context);
  assert.ok(lines[1]?.endsWith(`/node_modules/eventsource-wasm/${entry}`), `entry ${entry}${context}`);
  assert.ok(lines[2]?.endsWith(`/node_modules/eventsource-wasm/${polyfill}`), `polyfill ${polyfill}${context}`);
  assert.deepEqual(lines.filter((l) => l.startsWith('not ok')), [], context);
  assert.equal(lines.at(-1), `${CHECKS} passed, 0 failed`, context);
  assert.equal(error, null, context);
}

test('Node: the runtime-neutral checks pass (node condition → js/node.js)', () =>
  checkRuntime(process.execPath, [], { runtime: 'node', entry: 'js/node.js', polyfill: 'js/polyfill.node.js' }));

test('Deno: the runtime-neutral checks pass with no read permission (deno condition → js/deno.js)', () =>
  checkRuntime(bin('deno'), ['run', '--no-lock', '--allow-net=127.0.0.1', '--allow-env=SSE_SERVER_URL'],
    { runtime: 'deno', entry: 'js/deno.js', polyfill: 'js/polyfill.deno.js' }));

test('Bun: the runtime-neutral checks pass (node condition → js/node.js)', () =>
  checkRuntime(bin('bun'), [], { runtime: 'bun', entry: 'js/node.js', polyfill: 'js/polyfill.node.js' }));
