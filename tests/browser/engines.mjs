// Drives the browser suite (tests/browser/suite.js) in Firefox ESR and WebKitGTK through
// W3C WebDriver (tests/browser/webdriver.mjs): our EventSource in a window and in a
// dedicated worker, and each engine's own EventSource on the spec tests (the engine is the
// oracle; where it departs from the spec the test says so with `notNativeOn`). Tests an
// engine cannot pass for a limit of its fetch carry `limitOn` and are reported skipped.
// Needs SSE_SERVER_URL (scripts/test.sh starts the server) and a built pkg/.
// Run through engines.firefox.test.mjs / engines.webkit.test.mjs (one engine each, so the
// test command runs them beside other files); ONLY filters tests by name.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { launch } from './webdriver.mjs';
import { SUITE_RUNS, runName } from './node_util.mjs';

const server = process.env.SSE_SERVER_URL;
const only = process.env.ONLY ?? '';
const engines = (process.env.ENGINES ?? 'firefox,webkit').split(',').filter(Boolean);

// RUNS=ours-window,ours-worker,native-window (default all) picks the runs.
const picked = (process.env.RUNS ?? '').split(',').filter(Boolean);
const runs = SUITE_RUNS.filter(({ mode, impl }) => picked.length === 0 || picked.includes(`${impl}-${mode}`));

/** Polls `globalThis.__results` through WebDriver until the page has finished. */
async function resultsOf(driver, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const results = await driver.executeScript('return globalThis.__results ?? null');
    if (results) return results;
    if (Date.now() > deadline) throw new Error(`no results within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

for (const engine of engines) {
  test(engine, async (t) => {
    assert.ok(server, 'SSE_SERVER_URL is not set: run scripts/test.sh');
    const { driver, quit } = await launch(engine);
    try {
      for (const { mode, impl } of runs) {
        await t.test(runName({ mode, impl }), async (t) => {
          const query = new URLSearchParams({ mode, impl, only, engine, skipped: '1' });
          await driver.get(`${server}/tests/browser/index.html?${query}`);
          const results = await resultsOf(driver, 600_000);
          assert.ok(results.length > 0, 'the suite ran no test');
          for (const result of results) {
            await t.test(`${result.name} (${result.ms ?? 0} ms)`, { skip: result.skip ?? false }, () => {
              if (!result.ok) assert.fail(result.error);
            });
          }
        });
      }
    } finally {
      await quit();
    }
  });
}
