// Debian's Chromium for the browser tests, driven by playwright-core (never a downloaded
// browser). The flags a root, network-less, headless run needs.
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
