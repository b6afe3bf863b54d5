// The package in any server-side runtime (Node, Deno, Bun) against the loopback SSE server:
// runtime-neutral (no test runner, only web APIs plus each runtime's way to read the
// environment and exit), self-checking. Prints the runtime, the entries the package resolved
// to, one `ok`/`not ok` line per check, then `N passed, M failed`; exits 1 on a failure.
// Driven by tests/node/runtimes.test.mjs, which runs it from an installed `npm pack` of the
// package with SSE_SERVER_URL set. Imports by package name, so each runtime picks its entry
// by export condition, as a user's program does.
import { EventSource } from 'eventsource-wasm';

const deno = globalThis.Deno;
const env = (name) => (deno ? deno.env.get(name) : globalThis.process.env[name]);
const exit = (code) => (deno ? deno.exit(code) : globalThis.process.exit(code));
const runtime = deno
  ? `deno ${deno.version.deno}`
  : globalThis.Bun
    ? `bun ${globalThis.Bun.version}`
    : `node ${globalThis.process.versions.node}`;

const server = env('SSE_SERVER_URL');
const enc = (s) => encodeURIComponent(s).replace(/[!'()*|]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
const key = (name) => `${name}-${runtime.split(' ')[0]}-${Math.random().toString(36).slice(2, 8)}`;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const requests = async (k) => (await (await fetch(`${server}/log?key=${k}`)).json()).requests;

function same(actual, expected, what) {
  const a = JSON.stringify(actual);
  const e = JSON.stringify(expected);
  if (a !== e) throw new Error(`${what}: got ${a}, want ${e}`);
}

/** Records [type, data, lastEventId, readyState] of `types` until `until(seen)` holds (8 s at most). */
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

const checks = [];
const check = (name, fn) => checks.push([name, fn]);

check('events, named events and reconnection with Last-Event-ID', async () => {
  const k = key('reconnect');
  const first = enc('retry: 50\nid: 7\ndata: a\n\nevent: ping\ndata: b\n\n');
  const source = new EventSource(`${server}/sse?key=${k}&s0=w:${first}|end&s1=w:${enc('data: c\n\n')}|hang`);
  if (!(source instanceof EventTarget)) throw new Error('not an EventTarget');
  const seen = await record(source, ['open', 'message', 'ping', 'error'], (s) => s.some((e) => e[1] === 'c'));
  source.close();
  same(seen, [
    ['open', null, null, 1],
    ['message', 'a', '7', 1],
    ['ping', 'b', '7', 1],
    ['error', null, null, 0],
    ['open', null, null, 1],
    ['message', 'c', '7', 1],
  ], 'events');
  same((await requests(k)).map((r) => r.headers['last-event-id'] ?? null), [null, '7'], 'Last-Event-ID sent');
});

check('a POST with headers and a body, finite', async () => {
  const source = new EventSource(`${server}/echo`, {
    method: 'POST', headers: { Authorization: 'Bearer rt', 'X-Runtime': runtime }, body: 'hello', finite: true,
  });
  const seen = await record(source, ['message', 'error'], (s) => s.some((e) => e[0] === 'error'));
  const echo = JSON.parse(seen[0][1]);
  same([echo.method, echo.headers.authorization, echo.headers['x-runtime'], echo.body],
    ['POST', 'Bearer rt', runtime, 'hello'], 'request');
  same(seen.slice(1).map((e) => [e[0], e[3]]), [['error', 2]], 'finite end');
});

check('close() stops events and reconnection', async () => {
  const k = key('close');
  const body = enc('retry: 50\ndata: a\n\n');
  const source = new EventSource(`${server}/sse?key=${k}&s=w:${body}|s:200|w:${enc('data: b\n\n')}|end`);
  const seen = await record(source, ['message', 'error'], (s) => s.length === 1);
  source.close();
  same(source.readyState, 2, 'readyState after close()');
  await sleep(500);
  same(seen, [['message', 'a', '', 1]], 'events');
  same((await requests(k)).length, 1, 'requests');
});

check('a 500 response fails the connection: CLOSED, no reconnection', async () => {
  const k = key('status');
  const source = new EventSource(`${server}/sse?key=${k}&status=500&s=w:${enc('retry: 50\ndata: x\n\n')}`);
  const seen = await record(source, ['open', 'message', 'error'], (s) => s.length === 1);
  await sleep(300);
  same(seen, [['error', null, null, 2]], 'events');
  same((await requests(k)).length, 1, 'requests');
});

check('fromReadableStream and for await', async () => {
  const bytes = new TextEncoder().encode('data: x\n\nevent: y\ndata: z\n\n');
  const stream = new ReadableStream({ start(c) { c.enqueue(bytes); c.close(); } });
  const got = [];
  for await (const { type, data } of EventSource.fromReadableStream(stream)) got.push([type, data]);
  same(got, [['message', 'x'], ['y', 'z']], 'events');
});

check('onComment in order with the events; a url function per attempt', async () => {
  const log = [];
  const stream = new ReadableStream({ start(c) { c.enqueue(new TextEncoder().encode(': a\ndata: x\n\n:\n')); c.close(); } });
  const fromStream = EventSource.fromReadableStream(stream, { onComment: (text) => log.push(`c:${text}`) });
  fromStream.addEventListener('message', (event) => log.push(`m:${event.data}`));
  await new Promise((resolve) => fromStream.addEventListener('error', resolve));
  same(log, ['c:a', 'm:x', 'c:'], 'comments and events');
  const k = key('url');
  const named = `${server}/sse?key=${k}&s0=w:${enc('retry: 20\ndata: a\n\n')}|end&s1=hang`;
  let n = 0;
  const source = new EventSource(named, { url: async () => `${named}&token=t${++n}` });
  await record(source, ['error'], (s) => s.length === 1);
  await record(source, ['open'], (s) => s.length === 1);
  source.close();
  same(source.url, named, 'url');
  same((await requests(k)).map((r) => new URL(r.path, server).searchParams.get('token')), ['t1', 't2'], 'tokens');
});

// Last: it installs the class globally.
check('eventsource-wasm/polyfill installs the same class as globalThis.EventSource', async () => {
  const polyfill = await import('eventsource-wasm/polyfill');
  same([polyfill.EventSource === EventSource, globalThis.EventSource === EventSource], [true, true], 'installed');
  const source = new globalThis.EventSource(`${server}/sse?s=w:${enc('data: p\n\n')}|hang`);
  const seen = await record(source, ['message'], (s) => s.length === 1);
  source.close();
  same(seen, [['message', 'p', '', 1]], 'events');
});

console.log(`runtime: ${runtime}`);
console.log(`entry: ${import.meta.resolve('eventsource-wasm')}`);
console.log(`polyfill: ${import.meta.resolve('eventsource-wasm/polyfill')}`);
console.log(`native EventSource: ${typeof globalThis.EventSource === 'function'}`);
let passed = 0;
let failed = 0;
if (!server) {
  console.log('not ok - SSE_SERVER_URL is not set');
  failed += 1;
} else {
  for (const [name, fn] of checks) {
    try {
      await fn();
      passed += 1;
      console.log(`ok - ${name}`);
    } catch (e) {
      failed += 1;
      console.log(`not ok - ${name}: ${e?.stack ?? e}`);
    }
  }
}
console.log(`${passed} passed, ${failed} failed`);
exit(failed === 0 ? 0 : 1);
