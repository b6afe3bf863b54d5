// The package in Node.js (the "node" export condition, resolved by package self-reference)
// against the loopback SSE server: events, reconnection with Last-Event-ID, a POST with
// headers, fromReadableStream, and for await. Needs SSE_SERVER_URL (scripts/test.sh).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventSource } from 'eventsource-wasm';

const server = process.env.SSE_SERVER_URL;
const enc = (s) => encodeURIComponent(s).replace(/[!'()*|]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
const key = (name) => `${name}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;

function record(source, types, until) {
  const seen = [];
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out; saw ${JSON.stringify(seen)}`)), 8000);
    for (const type of types) {
      source.addEventListener(type, (event) => {
        seen.push([event.type, event.data ?? null, event.lastEventId ?? null, source.readyState]);
        if (until(seen)) {
          clearTimeout(timer);
          resolve(seen);
        }
      });
    }
  });
}

test('Node: events, named events and reconnection with Last-Event-ID', async () => {
  assert.ok(server, 'SSE_SERVER_URL is not set: run scripts/test.sh');
  const k = key('node-reconnect');
  const first = enc('retry: 50\nid: 7\ndata: a\n\nevent: ping\ndata: b\n\n');
  const source = new EventSource(`${server}/sse?key=${k}&s0=w:${first}|end&s1=w:${enc('data: c\n\n')}|hang`);
  assert.ok(source instanceof EventTarget);
  const seen = await record(source, ['open', 'message', 'ping', 'error'], (s) => s.some((e) => e[1] === 'c'));
  source.close();
  assert.deepEqual(seen, [
    ['open', null, null, 1],
    ['message', 'a', '7', 1],
    ['ping', 'b', '7', 1],
    ['error', null, null, 0],
    ['open', null, null, 1],
    ['message', 'c', '7', 1],
  ]);
  const log = await (await fetch(`${server}/log?key=${k}`)).json();
  assert.deepEqual(log.requests.map((r) => r.headers['last-event-id']), [undefined, '7']);
});

test('Node: a POST with a header and a body, finite', async () => {
  const source = new EventSource(`${server}/echo`, {
    method: 'POST', headers: { Authorization: 'Bearer node' }, body: 'hello', finite: true,
  });
  const seen = await record(source, ['message'], (s) => s.length === 1);
  source.close();
  const echo = JSON.parse(seen[0][1]);
  assert.equal(echo.method, 'POST');
  assert.equal(echo.headers.authorization, 'Bearer node');
  assert.equal(echo.body, 'hello');
});

test('Node: fromReadableStream and for await', async () => {
  const bytes = new TextEncoder().encode('data: x\n\nevent: y\ndata: z\n\n');
  const stream = new ReadableStream({ start(c) { c.enqueue(bytes); c.close(); } });
  const got = [];
  for await (const { type, data } of EventSource.fromReadableStream(stream)) got.push([type, data]);
  assert.deepEqual(got, [['message', 'x'], ['y', 'z']]);
});

test('Node: onComment in order with the events; a url function per attempt', async () => {
  const log = [];
  const stream = new ReadableStream({ start(c) { c.enqueue(new TextEncoder().encode(': a\ndata: x\n\n:\n')); c.close(); } });
  const fromStream = EventSource.fromReadableStream(stream, { onComment: (text) => log.push(`c:${text}`) });
  fromStream.addEventListener('message', (event) => log.push(`m:${event.data}`));
  await new Promise((resolve) => fromStream.addEventListener('error', resolve));
  assert.deepEqual(log, ['c:a', 'm:x', 'c:']);
  const k = key('node-url');
  const named = `${server}/sse?key=${k}&s0=w:${enc('retry: 20\ndata: a\n\n')}|end&s1=hang`;
  let n = 0;
  const source = new EventSource(named, { url: async () => `${named}&token=t${++n}` });
  await record(source, ['error'], (s) => s.length === 1);
  await record(source, ['open'], (s) => s.length === 1);
  source.close();
  assert.equal(source.url, named);
  const requests = (await (await fetch(`${server}/log?key=${k}`)).json()).requests;
  assert.deepEqual(requests.map((r) => new URL(r.path, server).searchParams.get('token')), ['t1', 't2']);
});
