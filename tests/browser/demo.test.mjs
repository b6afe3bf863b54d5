// The demo page (www/) in Debian's Chromium: the ticker streams, survives a server-side
// drop by reconnecting with Last-Event-ID (ids continue, no replay), and the chat streams
// a reply to a POST carrying an Authorization header. Keeps a screenshot in test-results/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchChromium } from './chromium.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const server = process.env.SSE_SERVER_URL;

let browser;
before(async () => {
  assert.ok(server, 'SSE_SERVER_URL is not set: run scripts/test.sh');
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
});

test('the demo page streams, reconnects after a drop, and chats over POST', async () => {
  const page = await browser.newPage({ viewport: { width: 1100, height: 820 } });
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${server}/www/`);

  const tick = () => page.$eval('#tick', (el) => el.textContent);
  await page.waitForFunction(() => /^#\d+$/.test(document.getElementById('tick').textContent), null, { timeout: 10_000 });
  assert.equal(await page.$eval('#ticker-state', (el) => el.textContent), '1');

  const before = Number((await tick()).slice(1));
  await page.click('#drop');
  await page.waitForFunction(() => Number(document.getElementById('ticker-reconnects').textContent) >= 1, null, { timeout: 10_000 });
  await page.waitForFunction((n) => Number(document.getElementById('tick').textContent.slice(1)) > n + 1, before, { timeout: 10_000 });
  const ids = await page.$$eval('#log-list li', (items) => items.map((li) => li.textContent)
    .map((t) => /ticker message id=(\d+)/.exec(t)?.[1]).filter(Boolean).map(Number).reverse());
  for (let i = 1; i < ids.length; i += 1) {
    assert.equal(ids[i], ids[i - 1] + 1, `ids continue across the reconnection: ${ids.join(',')}`);
  }
  const logText = await page.$eval('#log-list', (el) => el.textContent);
  assert.match(logText, /ticker error \(body, retrying in \d+ ms\)/);

  await page.fill('#chat-input', 'ping from the test');
  await page.click('#chat-form button');
  await page.waitForFunction(() => document.getElementById('chat-out').textContent.includes('model'), null, { timeout: 10_000 });
  const chat = await page.$eval('#chat-out', (el) => el.textContent);
  assert.match(chat, /"you":"ping from the test"/);
  assert.match(chat, /"auth":"Bearer demo-token"/);

  mkdirSync(join(root, 'test-results'), { recursive: true });
  await page.screenshot({ path: join(root, 'test-results/demo.png'), fullPage: true });
  await page.close();
  assert.deepEqual(errors, []);
});
