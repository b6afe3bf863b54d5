// Panel 3: an LLM-style stream. A POST with a JSON body and an Authorization header (which
// the native EventSource cannot send) to `/demo/chat`; the server first echoes what it
// received, then streams the reply token by token (`reply` events), then `done`. Read
// with `for await`, in finite mode (the clean end closes the source instead of
// reconnecting).
import { EventSource } from '../js/index.js';
import { $, el } from './util.js';

const TOKEN = 'Bearer demo-token';
let busy = false;

function showRequest(body) {
  const pre = $('chat-request');
  pre.replaceChildren(
    el('span', { class: 'k' }, 'POST'), ' /demo/chat?delay=60\n',
    el('span', { class: 'k' }, 'Authorization: '), el('span', { class: 'v' }, TOKEN), '\n',
    el('span', { class: 'k' }, 'Content-Type: '), 'application/json\n',
    el('span', { class: 'v' }, body),
  );
}

async function send(message) {
  busy = true;
  $('chat-send').disabled = true;
  const out = $('chat-out');
  const status = $('chat-status');
  const body = JSON.stringify({ message });
  showRequest(body);
  out.textContent = '';
  out.classList.add('streaming');
  $('chat').dataset.state = 'streaming';
  status.textContent = 'Connecting…';
  const t0 = performance.now();
  let first = null;
  let tokens = 0;
  let echo = null;
  let words = null;
  const source = new EventSource('/demo/chat?delay=60', {
    method: 'POST',
    headers: { Authorization: TOKEN, 'Content-Type': 'application/json' },
    body,
    finite: true,
    reconnect: { maxRetries: 0 },
  });
  try {
    for await (const { type, data } of source) {
      if (type === 'message') {
        echo = JSON.parse(data); // what the server received
        status.textContent = `The server received Authorization: ${echo.auth}`;
      } else if (type === 'reply') {
        first ??= performance.now() - t0;
        tokens += 1;
        out.append(JSON.parse(data).delta);
      } else if (type === 'done') {
        words = JSON.parse(data).words;
      }
    }
  } catch (e) {
    status.textContent = `The stream failed: ${e.message}`;
  }
  out.classList.remove('streaming');
  const ms = performance.now() - t0;
  $('chat').dataset.tokens = String(tokens);
  $('chat').dataset.auth = echo?.auth ?? '';
  $('chat').dataset.you = echo?.you ?? '';
  if (words !== null) {
    status.replaceChildren(
      el('b', {}, `${tokens} tokens`), ` in ${(ms / 1000).toFixed(2)} s · first after ${Math.round(first ?? 0)} ms · server saw `,
      el('code', {}, `Authorization: ${echo?.auth}`),
      words === tokens ? '' : ` (but it sent ${words})`,
    );
    $('chat').dataset.state = 'done';
  } else {
    $('chat').dataset.state = 'failed';
  }
  busy = false;
  $('chat-send').disabled = false;
}

export function setupChat() {
  showRequest(JSON.stringify({ message: $('chat-input').value }));
  $('chat-input').addEventListener('input', () => showRequest(JSON.stringify({ message: $('chat-input').value })));
  $('chat-form').addEventListener('submit', (e) => {
    e.preventDefault();
    if (!busy) send($('chat-input').value);
  });
}
