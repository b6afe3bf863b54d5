// Node-side helpers shared by the browser test files (the page-side ones are in
// helpers.js): the suite's runs, waiting, polling, and a second sse-server that serves a
// folder of its own.
import { spawn } from 'node:child_process';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const serverBin = join(process.env.CARGO_TARGET_DIR ?? join(root, 'target'), 'release/sse-server');

/**
 * The runs of the browser suite (tests/browser/suite.js) on each engine: ours in a window
 * and a dedicated worker, the engine's native EventSource on the spec tests, and
 * (tests/browser/contexts.js) a small set in a shared and in a service worker, on ours
 * and on the engine's own EventSource (the oracle there too).
 * @type {{ mode: 'window' | 'worker' | 'shared' | 'service', impl: 'ours' | 'native' }[]}
 */
export const SUITE_RUNS = [
  { mode: 'window', impl: 'ours' },
  { mode: 'worker', impl: 'ours' },
  { mode: 'window', impl: 'native' },
  { mode: 'shared', impl: 'ours' },
  { mode: 'service', impl: 'ours' },
  { mode: 'shared', impl: 'native' },
  { mode: 'service', impl: 'native' },
];

/**
 * A run's test name, e.g. "our EventSource in a shared worker".
 * @param {{ mode: string, impl: string }} run
 */
export function runName({ mode, impl }) {
  const where = { shared: 'shared worker', service: 'service worker' }[mode] ?? mode;
  return `${impl === 'ours' ? 'our' : 'native'} EventSource in a ${where}`;
}

/** @param {number} ms */
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Polls `check` every 50 ms until it returns something other than undefined; throws
 * after `ms`.
 * @param {() => Promise<any>} check @param {string} what @param {number} ms
 */
export async function poll(check, what, ms) {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

/**
 * Starts the release sse-server (built by scripts/test.sh) serving `dir`; resolves with
 * the child process and its base URL.
 * @param {string} dir
 * @returns {Promise<{ child: import('node:child_process').ChildProcess, url: string }>}
 */
export function startServer(dir) {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(serverBin, ['--root', dir, '--port', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (text) => {
      const match = /listening on (http:\/\/\S+)/.exec(text);
      if (match) resolvePromise({ child, url: match[1] });
    });
    child.on('error', reject);
    child.on('exit', (code) => reject(new Error(`sse-server exited with ${code}`)));
  });
}
