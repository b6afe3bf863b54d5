// The browser that tests/browser/consumers.test.mjs loads its pages in: Chromium through
// playwright-core (default), or Firefox ESR / WebKitGTK through W3C WebDriver
// (webdriver.mjs). CONSUMERS_ENGINE picks it; consumers.firefox.test.mjs and
// consumers.webkit.test.mjs set it and import consumers.test.mjs, so every page that file
// checks runs in all three engines.
import { launchChromium } from './chromium.mjs';
import { launch } from './webdriver.mjs';

/** The engine of this run: chromium, firefox or webkit. */
export const ENGINE = process.env.CONSUMERS_ENGINE ?? 'chromium';

/**
 * Opens the engine. `resultOf(url, timeoutMs)` loads `url`, waits for the page's
 * `globalThis.__result` and resolves with `{ result, errors }`; `errors` lists uncaught
 * page errors (Chromium only: WebDriver has no such event; elsewhere an uncaught error
 * shows as a missing or wrong result).
 */
export async function openEngine(engine = ENGINE) {
  if (engine === 'chromium') {
    const browser = await launchChromium();
    return {
      async resultOf(url, timeoutMs) {
        const page = await browser.newPage();
        const errors = [];
        page.on('pageerror', (e) => errors.push(e.message));
        await page.goto(url);
        await page.waitForFunction(() => globalThis.__result, null, { timeout: timeoutMs });
        const result = await page.evaluate(() => globalThis.__result);
        await page.close();
        return { result, errors };
      },
      close: () => browser.close(),
    };
  }
  const { driver, quit } = await launch(engine);
  return {
    async resultOf(url, timeoutMs) {
      await driver.get(url);
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const result = await driver.executeScript('return globalThis.__result ?? null');
        if (result) return { result, errors: [] };
        if (Date.now() > deadline) throw new Error(`${engine}: no result from ${url} within ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    close: quit,
  };
}
