// The Rust example app (examples/rust-client: a plain wasm-bindgen page on the crate's
// Rust API, feature `client`), built by scripts/test.sh as a Rust user would build it
// (cargo + wasm-bindgen into examples/rust-client/pkg/), opened in headless Chromium
// against the real server: it must list `open`, the ten clock events in order and `end`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchChromium } from './chromium.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const server = process.env.SSE_SERVER_URL;

test('the Rust example page (examples/rust-client) follows the clock stream to its end', async () => {
  assert.ok(server, 'SSE_SERVER_URL is not set: run scripts/test.sh');
  assert.ok(existsSync(join(root, 'examples/rust-client/pkg/rust_client_example.js')),
    'build the example first (scripts/test.sh does: cargo build + wasm-bindgen into examples/rust-client/pkg)');
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${server}/examples/rust-client/`);
    await page.waitForFunction(() => document.querySelector('#log')?.textContent.includes('end'), null, { timeout: 20_000 });
    const lines = await page.$$eval('#log li', (items) => items.map((i) => i.textContent));
    assert.deepEqual(errors, []);
    assert.equal(lines[0], 'open');
    assert.equal(lines.at(-1), 'end');
    const events = lines.filter((l) => l.startsWith('message #'));
    assert.equal(events.length, 10, lines.join(' | '));
    assert.ok(!lines.some((l) => l.startsWith('error')), lines.join(' | '));
  } finally {
    await browser.close();
  }
});
