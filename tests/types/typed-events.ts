// Compiled with `tsc --noEmit` (scripts/test.sh): `EventSource<'a' | 'b'>` types the named
// events. Each `@ts-expect-error` line must be an error, so loosening the typing (a name
// typed as plain `string` again) fails the compile with "Unused '@ts-expect-error'".
import { EventSource } from 'eventsource-wasm';
import type { EventSourceMessage } from 'eventsource-wasm';
import { EventSource as Polyfilled } from 'eventsource-wasm/polyfill';

type Exact<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const exact = <A, B>(ok: Exact<A, B>) => ok;

const prices = new EventSource<'price' | 'news'>('/events');

// A declared name gets a MessageEvent<string>; `this` is the typed source.
prices.addEventListener('price', function (event) {
  exact<typeof event, MessageEvent<string>>(true);
  exact<typeof this, EventSource<'price' | 'news'>>(true);
});
prices.removeEventListener('news', (event) => void event.data.toUpperCase());
// The built-in names keep their own event types.
prices.addEventListener('open', (event) => void event.status);
prices.addEventListener('error', (event) => void event.phase);
prices.addEventListener('message', (event) => exact<typeof event, MessageEvent<string>>(true));
// Listener objects and options work for declared names.
prices.addEventListener('news', { handleEvent: () => {} }, { once: true });

// A misspelt or undeclared name is a compile error, with any kind of listener.
// @ts-expect-error 'prices' is not a declared event name
prices.addEventListener('prices', (event) => void event);
// @ts-expect-error 'Price' is not 'price' (names are case-sensitive)
prices.addEventListener('Price', { handleEvent: () => {} });
// @ts-expect-error undeclared names cannot be removed either
prices.removeEventListener('newz', () => {});
// @ts-expect-error a declared event is a MessageEvent, not a number
prices.addEventListener('price', (event: number) => void event);

// The iterator's items carry the union of the declared names and 'message'.
async function consume() {
  for await (const item of prices) {
    exact<typeof item.type, 'price' | 'news' | 'message'>(true);
    // @ts-expect-error 'prices' is not one of the item types
    if (item.type === 'prices') return;
  }
  const reader = prices.stream().getReader();
  const { value } = await reader.read();
  if (value) exact<typeof value, EventSourceMessage<'price' | 'news' | 'message'>>(true);
}
void consume;

// fromReadableStream takes the same parameter.
const parsed = EventSource.fromReadableStream<'tick'>(new ReadableStream<Uint8Array>());
parsed.addEventListener('tick', (event) => void event.data);
// @ts-expect-error 'tock' was not declared
parsed.addEventListener('tock', () => {});

// Without the parameter, any name is fine and the item type is a string, as before.
const plain = new EventSource('/events');
plain.addEventListener('anything', (event) => exact<typeof event, MessageEvent<string>>(true));
async function consumePlain() {
  for await (const item of plain) exact<typeof item.type, string>(true);
}
void consumePlain;

// A typed source is still a platform EventSource, and the class is still drop-in.
const asPlatform: globalThis.EventSource = prices;
void asPlatform;
const ctor: typeof globalThis.EventSource = EventSource;
void ctor;

// The polyfill entry exports the same generic class.
const viaPolyfill = new Polyfilled<'price'>('/events');
viaPolyfill.addEventListener('price', (event) => void event.data);
// @ts-expect-error 'prise' was not declared
viaPolyfill.addEventListener('prise', () => {});
