// Drives the browser suite (tests/browser/suite.js) in Debian's Chromium through
// playwright-core: our EventSource in a window and in a dedicated worker, and the
// browser's native EventSource on the spec tests (to prove each test encodes native
// behaviour). Needs SSE_SERVER_URL (scripts/test.sh starts the server) and a built pkg/.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chromiumForTests } from './chromium.mjs';
import { SUITE_RUNS, runName } from './node_util.mjs';

const server = process.env.SSE_SERVER_URL;
const only = process.env.ONLY ?? '';

const browser = chromiumForTests();

for (const { mode, impl } of SUITE_RUNS) {
  test(runName({ mode, impl }), async (t) => {
    const page = await browser().newPage();
    const problems = [];
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    const query = new URLSearchParams({ mode, impl, only });
    await page.goto(`${server}/tests/browser/index.html?${query}`);
    await page.waitForFunction(() => globalThis.__results, null, { timeout: 600_000, polling: 100 });
    const results = await page.evaluate(() => globalThis.__results);
    await page.close();
    assert.ok(results.length > 0, 'the suite ran no test');
    for (const result of results) {
      await t.test(`${result.name} (${result.ms ?? 0} ms)`, () => {
        if (!result.ok) assert.fail(result.error);
      });
    }
    assert.deepEqual(problems, []);
  });
}
