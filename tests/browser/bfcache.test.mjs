// A real back/forward navigation with the back/forward cache on (issue #13): playwright
// turns the cache off, so this drives Chromium (chromedriver), Firefox ESR (geckodriver)
// and WebKitGTK (WebKitWebDriver) through selenium-webdriver (tests/browser/webdriver.mjs).
// tests/browser/bfcache.html opens our EventSource on the server's clock stream; the driver
// navigates away and checks that the connection closes at the server while the page is
// hidden, then back, and checks that the page came from the cache (`pageshow` with
// `persisted`) and that the stream resumed at once from Last-Event-ID with no `error`
// event and no event missed or repeated.
// Needs SSE_SERVER_URL and a built pkg/. ENGINES=chromium,firefox,webkit (default all).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ENGINES, launch } from './webdriver.mjs';
import { CHROMIUM, CHROMIUM_FLAGS } from './chromium.mjs';
import { poll as pollUntil, sleep } from './node_util.mjs';

const server = process.env.SSE_SERVER_URL;
const engines = (process.env.ENGINES ?? 'chromium,firefox,webkit').split(',').filter(Boolean);

// Chromium through chromedriver, with the same flags as the playwright runs (which add
// --disable-back-forward-cache themselves; chromedriver does not).
const drivers = /** @type {Record<string, any>} */ (ENGINES);
drivers.chromium ??= {
  driver: (/** @type {number} */ port) => ['chromedriver', [`--port=${port}`]],
  capabilities: {
    browserName: 'chrome',
    'goog:chromeOptions': {
      binary: CHROMIUM,
      args: CHROMIUM_FLAGS.map((flag) => (flag === '--headless' ? '--headless=new' : flag)),
      excludeSwitches: ['disable-back-forward-cache'],
    },
  },
};

/**
 * Whether `engine` restores a page with no stream at all from the back/forward cache
 * (headless, under WebDriver): where it does not (Firefox ESR under geckodriver: the
 * page is always reloaded), nothing about our source can be observed and the test is
 * skipped with that reason.
 * @param {import('selenium-webdriver').WebDriver} driver
 */
async function restoresPlainPages(driver) {
  await driver.get(`${server}/tests/browser/frame.html?cacheable=1`);
  await driver.executeScript("addEventListener('pageshow', (e) => { globalThis.__restored = e.persisted; })");
  await driver.get(`${server}/tests/browser/frame.html?cacheable=1&away=1`);
  await driver.navigate().back();
  await sleep(500);
  return (await driver.executeScript('return globalThis.__restored ?? false')) === true;
}

/**
 * The events (type:readyState) a page sees from opening to the first `open` after the
 * restore. WebKit stops the page's loads when the navigation starts, before `pagehide`
 * (before any page lifecycle event a script can hear): our fetch fails there and the
 * source reports it like any dropped connection (`error`, CONNECTING), as WebKit's own
 * EventSource does; the restore still reconnects at once.
 * @type {Record<string, string[]>}
 */
const EXPECTED_EVENTS = {
  webkit: ['open:1', 'error:0', 'open:1'],
};

/** @param {string} path */
async function getJson(path) {
  const response = await fetch(`${server}${path}`);
  return response.json();
}

/** Polls `check` until it returns a value other than undefined (node_util.mjs). */
const poll = (/** @type {() => Promise<any>} */ check, /** @type {string} */ what, ms = 8000) => pollUntil(check, what, ms);

for (const engine of engines) {
  for (const shared of [false, true]) {
    const name = `${engine}: back/forward cache${shared ? ' (shared: true)' : ''}: closed while hidden, resumed on restore`;
    test(name, async (t) => {
      assert.ok(server, 'SSE_SERVER_URL is not set: run scripts/test.sh');
      const { driver, quit } = await launch(/** @type {any} */ (engine));
      try {
        if (!(await restoresPlainPages(driver))) {
          t.skip(`${engine} (headless, WebDriver) restores no page from the back/forward cache, even one without a stream`);
          return;
        }
        const key = `bfcache-${engine}-${shared}-${Date.now().toString(36)}`;
        const record = () => driver.executeScript('return globalThis.__record ?? null');
        await driver.get(`${server}/tests/browser/bfcache.html?cacheable=1&key=${key}${shared ? '&shared=1' : ''}`);
        await poll(async () => ((await record())?.ids.length >= 3 ? true : undefined), '3 events');
        assert.equal((await getJson(`/live?key=${key}`)).live, 1);

        // Away: the page enters the cache and lets go of its connection.
        await driver.get(`${server}/tests/browser/frame.html`);
        await poll(async () => ((await getJson(`/live?key=${key}`)).live === 0 ? true : undefined),
          'the connection to close at the server while the page is hidden');
        await sleep(300);
        assert.equal((await getJson(`/live?key=${key}`)).live, 0, 'no reconnection while hidden');

        // Back: restored from the cache, reconnected at once from the last event ID.
        await driver.navigate().back();
        const restored = await poll(async () => {
          const r = await record();
          return r !== null && r.transitions.some((t) => t.startsWith('pageshow:true')) ? r : undefined;
        }, 'pageshow with persisted (the page was not restored from the cache)');
        const before = restored.ids.length;
        const after = await poll(async () => {
          const r = await record();
          return r.ids.length >= before + 3 ? r : undefined;
        }, '3 events after the restore');
        const log = await getJson(`/log?key=${key}`);
        const requests = log.requests.filter((/** @type {any} */ r) => r.path.startsWith('/stream'));
        assert.equal(requests.length, 2, 'one reconnection');
        const resumedFrom = Number(requests[1].headers['last-event-id']);
        assert.equal(resumedFrom, after.hiddenAt, 'Last-Event-ID is the last event seen before hiding');
        after.ids.forEach((/** @type {number} */ id, /** @type {number} */ i) => {
          if (i > 0) assert.equal(id, after.ids[i - 1] + 1, `no event missed or repeated: ${after.ids}`);
        });
        assert.deepEqual(after.events, EXPECTED_EVENTS[engine] ?? ['open:1', 'open:1'],
          `no error event, open again on restore: ${after.timeline}`);
        assert.deepEqual(after.transitions.slice(-2), ['pagehide:true:0', 'pageshow:true:0'],
          'readyState CONNECTING while hidden and on restore');
        assert.equal((await getJson(`/live?key=${key}`)).live, 1);
      } finally {
        await quit();
      }
    });
  }
}
