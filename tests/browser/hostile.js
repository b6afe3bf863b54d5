// Hostile servers against one source's memory and CPU (issue #10, findings 2 and 3),
// against the real loopback server. Large bodies are sent gzip-compressed
// (`Content-Encoding: gzip`, which fetch decodes), so that megabytes of hostile bytes fit
// in the script URL of the server's `/sse`. Entries have the shape of suite.js's `tests`,
// which concatenates them. All are [NON-SPEC]: they use options the native EventSource
// lacks.
import { w, HANG, sse, sleep, until, assert, equal, errorsOf } from './helpers.js';

export const tests = [];
function test(name, fn, options = {}) {
  tests.push({ name: options.nonSpec ? `[NON-SPEC] ${name}` : name, fn, ...options });
}
const nonSpec = { nonSpec: true };

function open(ctx, url, init) {
  const source = new ctx.EventSource(url, init);
  ctx.cleanup(() => source.close());
  return source;
}

const MIB = 1024 * 1024;

/** `bytes` gzip-compressed. */
async function gzip(bytes) {
  const stream = new Blob([bytes]).stream().pipeThrough(new CompressionStream('gzip'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** Concatenates strings (as UTF-8) and byte arrays. */
function bytesOf(...parts) {
  const encoder = new TextEncoder();
  const arrays = parts.map((p) => (typeof p === 'string' ? encoder.encode(p) : p));
  const out = new Uint8Array(arrays.reduce((n, a) => n + a.length, 0));
  let at = 0;
  for (const a of arrays) {
    out.set(a, at);
    at += a.length;
  }
  return out;
}

/** A scripted stream whose body is `body`, sent gzip-compressed, then held open. */
async function gzipped(body) {
  return sse({ headers: ['Content-Encoding:gzip'], script: [w(await gzip(body)), HANG] });
}

/** The size of the wasm memory of our EventSource, in bytes. */
async function wasmMemory() {
  // The glue's init function returns the instance's exports once initialised.
  const wasm = await (await import('../../pkg/eventsource_wasm.js')).default();
  return wasm.memory.buffer.byteLength;
}

// --- Memory within maxEventSize (finding 2) ---------------------------------------------

/**
 * The hostile event: an `event`, an `id` and a `data` line, each of `n` 0xFF
 * bytes (each decodes to U+FFFD, 3 bytes). Opens a source with `maxEventSize: limit`,
 * waits for it to fail or to receive the event, closes it and lets its task end.
 * Returns what happened: the failure's phase, and the events of the hostile type.
 */
async function hostileSource(ctx, limit, n) {
  const junk = new Uint8Array(n).fill(0xff);
  const body = bytesOf('event: ', junk, '\nid: ', junk, '\ndata: ', junk, '\n\n');
  const source = open(ctx, await gzipped(body), { maxEventSize: limit });
  const errors = errorsOf(source);
  const seen = [];
  source.addEventListener('\uFFFD'.repeat(n), (event) => {
    seen.push([event.data.length, event.lastEventId.length]);
  });
  await until(() => source.readyState === 2 || seen.length > 0, { what: 'the event or the failure' });
  source.close();
  // The source's task ends a moment after close() or the failure.
  await sleep(50);
  return { phase: errors[0]?.phase ?? null, seen };
}

test('maxEventSize bounds wasm memory: hostile events of invalid bytes grow it by at most 4 × maxEventSize, and 5 more rounds of them reuse it', async (ctx) => {
  const limit = MIB;
  const shapes = [
    // Each line just under the limit as received: 3 × the limit once decoded.
    { n: limit - 16, fails: true },
    // Each line a third of the limit: the event type alone fills it once decoded.
    { n: Math.floor(limit / 3), fails: true },
    // Just under the limit once decoded (3 × 3n + 1 bytes): delivered.
    { n: Math.floor((limit - 1) / 9), fails: false },
  ];
  const before = await wasmMemory();
  const grown = [];
  for (let round = 0; round < 6; round += 1) {
    for (const { n, fails } of shapes) {
      const outcome = await hostileSource(ctx, limit, n);
      grown.push((await wasmMemory()) - before);
      assert(grown.at(-1) <= 4 * limit,
        `wasm memory grew by ${grown.map((g) => (g / MIB).toFixed(2)).join(', ')} MiB after each source (maxEventSize 1 MiB)`);
      equal(outcome, fails ? { phase: 'parse-limit', seen: [] } : { phase: null, seen: [[n, n]] },
        `the event of ${n}-byte lines`);
    }
  }
}, nonSpec);

// --- CPU through a long id (finding 3) --------------------------------------------------

/**
 * Milliseconds from the event `first` to the `count`-th small event after it, all sent
 * at once after `id: <id>`, read by `for await` (a batch per KiB of body) or by a
 * `message` listener (a batch per chunk). Checks every event's lastEventId on the way.
 */
async function smallEventsAfter(ctx, id, count, mode) {
  const body = bytesOf(`id: ${id}\ndata: first\n\n`, 'data: y\n\n'.repeat(count));
  const source = open(ctx, await gzipped(body), { highWaterMark: count + 10 });
  let start;
  let n = 0;
  let last;
  const take = (event) => {
    if (event.data === 'first') {
      start = performance.now();
      return false;
    }
    // Lengths only: comparing megabyte strings would be the cost being measured.
    if (event.lastEventId.length !== id.length) throw new Error(`lastEventId of ${event.lastEventId.length} chars`);
    n += 1;
    last = event;
    return n === count;
  };
  let ms;
  if (mode === 'for await') {
    for await (const event of source) {
      if (take(event)) break;
    }
    ms = performance.now() - start;
  } else {
    await new Promise((resolve, reject) => {
      source.onmessage = (event) => {
        try {
          if (take(event)) resolve();
        } catch (error) {
          reject(error);
        }
      };
      source.onerror = () => reject(new Error('the source failed'));
    });
    ms = performance.now() - start;
    source.close();
  }
  assert(last.lastEventId === id, 'the last event has the id');
  return ms;
}

test('a long unchanged id costs later events nothing: 2000 small events after a 4 MiB id take at most 3 × as long as after a short one', async (ctx) => {
  const count = 2000;
  const longId = 'i'.repeat(4 * MIB);
  const report = [];
  for (const mode of ['for await', 'message listener']) {
    // Warm up, then measure (best of two: timers and GC add noise, never remove it).
    await smallEventsAfter(ctx, '1', count, mode);
    const short = Math.min(
      await smallEventsAfter(ctx, '1', count, mode),
      await smallEventsAfter(ctx, '1', count, mode),
    );
    const long = Math.min(
      await smallEventsAfter(ctx, longId, count, mode),
      await smallEventsAfter(ctx, longId, count, mode),
    );
    report.push(`${mode}: ${short.toFixed(1)} ms after a 1-char id, ${long.toFixed(1)} ms after a 4 MiB id`);
    assert(long <= 3 * short + 30, report.join('; '));
  }
}, nonSpec);
