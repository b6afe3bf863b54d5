// `eventsource-wasm/lazy` in Node.js (resolved by package self-reference, "node"
// condition): loadEventSource() resolves once with the main entry's class, which
// receives events from the loopback server. Needs SSE_SERVER_URL (scripts/test.sh).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadEventSource } from 'eventsource-wasm/lazy';
import { EventSource as Main } from 'eventsource-wasm';

const server = process.env.SSE_SERVER_URL;

test('lazy: loadEventSource() resolves once with the main class, which receives events', async () => {
  assert.ok(server, 'SSE_SERVER_URL is not set: run scripts/test.sh');
  const first = loadEventSource();
  assert.equal(loadEventSource(), first, 'later calls share the first load');
  const { EventSource, installEventSource } = await first;
  assert.equal(EventSource, Main);
  assert.equal(typeof installEventSource, 'function');
  const source = new EventSource(`${server}/sse?s=w:data%3A%20lazy%0A%0A|hang`);
  const data = await new Promise((resolve, reject) => {
    setTimeout(() => reject(new Error('no event within 8 s')), 8000).unref();
    source.onmessage = (event) => resolve(event.data);
  });
  source.close();
  assert.equal(data, 'lazy');
});
