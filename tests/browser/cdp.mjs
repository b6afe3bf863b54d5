// A minimal DevTools-protocol driver for Debian's Chromium over `--remote-debugging-pipe`,
// for the demo test. Unlike playwright, it never enables the Network domain: with it on,
// Chromium reports every native EventSource message to the driver, which slows the native
// EventSource several times over (measured on the demo's race: 100k events in 0.3–0.6 s
// without, 2.3–3.7 s with, with 1.5 s stalls) and would make the race lie. Only the
// Target, Runtime, Input, Emulation and Page domains are used.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CHROMIUM, CHROMIUM_FLAGS } from './chromium.mjs';

/** Launches headless Chromium driven over a pipe; `close()` ends it. */
export async function launchBrowser() {
  const profile = mkdtempSync(join(tmpdir(), 'demo-chromium-'));
  const child = spawn(CHROMIUM, [...CHROMIUM_FLAGS, '--remote-debugging-pipe', `--user-data-dir=${profile}`, 'about:blank'], {
    stdio: ['ignore', 'ignore', 'ignore', 'pipe', 'pipe'],
  });
  const [input, output] = [child.stdio[3], child.stdio[4]];
  let nextId = 1;
  const pending = new Map();
  const listeners = new Set();
  let buffer = '';
  output.setEncoding('utf8');
  output.on('data', (chunk) => {
    buffer += chunk;
    let end;
    while ((end = buffer.indexOf('\0')) >= 0) {
      const message = JSON.parse(buffer.slice(0, end));
      buffer = buffer.slice(end + 1);
      if (message.id !== undefined) {
        const waiter = pending.get(message.id);
        pending.delete(message.id);
        if (message.error) waiter?.reject(new Error(`${waiter.method}: ${message.error.message}`));
        else waiter?.resolve(message.result);
      } else {
        for (const listener of listeners) listener(message);
      }
    }
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const send = (method, params = {}, sessionId = undefined) => new Promise((resolve, reject) => {
    const id = nextId++;
    pending.set(id, { resolve, reject, method });
    input.write(`${JSON.stringify({ id, method, params, sessionId })}\0`);
  });
  await send('Browser.getVersion');

  /** Opens a tab on `url` at 1280×800; the returned page collects uncaught exceptions. */
  async function newPage(url, { width = 1280, height = 800 } = {}) {
    const { targetId } = await send('Target.createTarget', { url: 'about:blank' });
    const { sessionId } = await send('Target.attachToTarget', { targetId, flatten: true });
    const call = (method, params) => send(method, params, sessionId);
    const errors = [];
    const onEvent = (m) => {
      if (m.sessionId === sessionId && m.method === 'Runtime.exceptionThrown') {
        const d = m.params.exceptionDetails;
        errors.push(d.exception?.description ?? d.text);
      }
    };
    listeners.add(onEvent);
    await call('Runtime.enable');
    await call('Page.enable');
    await call('Emulation.setDeviceMetricsOverride', { width, height, deviceScaleFactor: 1, mobile: false });
    await call('Emulation.setScrollbarsHidden', { hidden: true });
    await call('Page.navigate', { url });
    const page = {
      errors,
      /** The value of `expression` (awaited, by value). */
      async evaluate(expression) {
        const r = await call('Runtime.evaluate', { expression, awaitPromise: true, returnByValue: true });
        if (r.exceptionDetails) throw new Error(`evaluate ${expression}: ${r.exceptionDetails.exception?.description ?? r.exceptionDetails.text}`);
        return r.result.value;
      },
      /** Polls `expression` until truthy, at most `timeout` ms; returns its value. */
      async waitFor(expression, timeout = 10_000) {
        const deadline = Date.now() + timeout;
        for (;;) {
          const value = await page.evaluate(`(() => { try { return ${expression}; } catch { return false; } })()`).catch(() => false);
          if (value) return value;
          if (Date.now() > deadline) throw new Error(`timed out after ${timeout} ms waiting for ${expression}`);
          await new Promise((r) => setTimeout(r, 100));
        }
      },
      /** A real mouse click in the middle of the element. */
      async click(selector) {
        const box = await page.evaluate(`(() => {
          const el = document.querySelector(${JSON.stringify(selector)});
          el.scrollIntoView({ block: 'center' });
          const r = el.getBoundingClientRect();
          return { x: r.x + r.width / 2, y: r.y + r.height / 2 };
        })()`);
        for (const type of ['mousePressed', 'mouseReleased']) {
          await call('Input.dispatchMouseEvent', { type, x: box.x, y: box.y, button: 'left', clickCount: 1 });
        }
      },
      /** Replaces a text field's value by typing. */
      async fill(selector, text) {
        await page.evaluate(`(() => { const el = document.querySelector(${JSON.stringify(selector)}); el.focus(); el.select(); })()`);
        await call('Input.insertText', { text });
      },
      /** Picks an option of a `<select>`. */
      async select(selector, value) {
        await page.evaluate(`(() => {
          const el = document.querySelector(${JSON.stringify(selector)});
          el.value = ${JSON.stringify(value)};
          el.dispatchEvent(new Event('change', { bubbles: true }));
        })()`);
      },
      /** A PNG of the viewport. */
      async screenshot() {
        const { data } = await call('Page.captureScreenshot', { format: 'png' });
        return Buffer.from(data, 'base64');
      },
      async close() {
        listeners.delete(onEvent);
        await send('Target.closeTarget', { targetId });
      },
    };
    return page;
  }

  return {
    newPage,
    async close() {
      await send('Browser.close').catch(() => {});
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
