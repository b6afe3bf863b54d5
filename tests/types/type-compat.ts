// Compiled with `tsc --noEmit` (scripts/test.sh): proves the public types are a drop-in
// for the platform's EventSource and that the options reject wrong input.
import { EventSource, installEventSource, isSharedLeader } from 'eventsource-wasm';
import type { EventSourceOptions, EventSourceErrorEvent } from 'eventsource-wasm';

// Drop-in: an instance satisfies the platform interface, and so does the class.
const source = new EventSource('/events') satisfies globalThis.EventSource;
const ctor: typeof globalThis.EventSource = EventSource;
void ctor;
new EventSource(new URL('https://example.test/events'), { withCredentials: true });

// Typed listeners.
source.addEventListener('message', (event) => {
  const data: string = event.data;
  void data;
});
source.addEventListener('error', (event: EventSourceErrorEvent) => {
  const phase = event.phase;
  void phase;
});
source.onmessage = (event) => event.data.toUpperCase();
const state: 0 | 1 | 2 = source.readyState;
void state;

// The options dictionary.
const options: EventSourceOptions = {
  headers: async () => ({ Authorization: 'Bearer token' }),
  method: 'POST',
  body: () => JSON.stringify({ prompt: 'hi' }),
  reconnect: { initialDelay: 1000, multiplier: 2, jitter: 0.2, maxRetries: 5, retryOnStatus: [503] },
  finite: true,
  signal: new AbortController().signal,
  lastEventId: '42',
  onAuthError: async ({ status }) => void status,
};
new EventSource('/chat', options);

// Wrong input is rejected.
// @ts-expect-error the method must be a string
new EventSource('/x', { method: 1 });
// @ts-expect-error retry statuses are numbers
new EventSource('/x', { reconnect: { retryOnStatus: ['503'] } });
// @ts-expect-error the url is required
new EventSource();

// onComment and the per-attempt url (issue #14).
new EventSource('/feed', {
  onComment: (text) => void text.toUpperCase(),
  url: async () => new URL(`/feed?token=${Date.now()}`, 'https://example.test'),
});
new EventSource('/feed', { url: () => '/feed?token=t' });
// @ts-expect-error onComment receives a string
new EventSource('/x', { onComment: (text: number) => void text });
// @ts-expect-error url is a function, not a string (the argument names the URL)
new EventSource('/x', { url: '/y' });
// @ts-expect-error readyState is read-only
source.readyState = 1;

const installed: typeof globalThis.EventSource = installEventSource({ onlyIfMissing: true });
void installed;

// fromReadableStream (whatwg/html 2026).
const fromStream = EventSource.fromReadableStream(new ReadableStream<Uint8Array>());
fromStream.reset();
const id: string = fromStream.lastEventId;
void id;
EventSource.fromReadableStream(new ReadableStream<Uint8Array>(), {
  highWaterMark: 8, lastEventId: '42', maxEventSize: 1 << 20, signal: AbortSignal.timeout(1000),
  onComment: (text) => void text,
});
// @ts-expect-error request options do not apply to a stream source
EventSource.fromReadableStream(new ReadableStream<Uint8Array>(), { headers: { a: 'b' } });

// Resume cursor and sharing (issue #13).
new EventSource('/feed', { resume: 'session', resumeKey: 'feed', shared: true });
new EventSource('/feed', { resume: 'local', shared: 'feed-group' });
const leads: boolean | null = isSharedLeader(source);
void leads;
// @ts-expect-error resume is 'session' or 'local'
new EventSource('/x', { resume: 'cookie' });
