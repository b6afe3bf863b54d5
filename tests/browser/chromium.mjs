// Debian's Chromium for the browser tests, driven by playwright-core (never a downloaded
// browser). The flags a root, network-less, headless run needs.
import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

export const CHROMIUM_FLAGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--disable-dev-shm-usage',
];

/**
 * The extra flags of a memory measurement (tests/browser/soak.test.mjs): a global `gc()`
 * and an unquantized `performance.memory`.
 */
export const MEMORY_FLAGS = ['--js-flags=--expose-gc', '--enable-precise-memory-info'];

/**
 * Launches headless Chromium. `exposeGc` adds {@link MEMORY_FLAGS}; the default launch
 * (every other test) is unchanged.
 * @param {{ exposeGc?: boolean }} [options]
 */
export function launchChromium({ exposeGc = false } = {}) {
  const args = exposeGc ? [...CHROMIUM_FLAGS, ...MEMORY_FLAGS] : CHROMIUM_FLAGS;
  return chromium.launch({ executablePath: CHROMIUM, args });
}

/**
 * For a test file: launches Chromium before its tests (once `SSE_SERVER_URL` is set, as
 * scripts/test.sh does, and `check` passed) and closes it after them. Returns a function
 * that gives the browser (inside a test).
 * @param {{ exposeGc?: boolean, check?: () => void }} [options]
 * @returns {() => import('playwright-core').Browser}
 */
export function chromiumForTests({ exposeGc = false, check = () => {} } = {}) {
  /** @type {import('playwright-core').Browser | undefined} */
  let browser;
  before(async () => {
    assert.ok(process.env.SSE_SERVER_URL, 'SSE_SERVER_URL is not set: run scripts/test.sh');
    check();
    browser = await launchChromium({ exposeGc });
  });
  after(async () => {
    await browser?.close();
  });
  return () => {
    assert.ok(browser, 'Chromium is not running');
    return browser;
  };
}
