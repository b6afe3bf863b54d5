// The demo: a live ticker that survives server-side drops (reconnection with
// Last-Event-ID) and a chat that streams a reply to a POST with an Authorization header.
import { EventSource } from '../js/index.js';

const $ = (id) => document.getElementById(id);
const log = (text, cls = '') => {
  const li = document.createElement('li');
  li.textContent = `${new Date().toLocaleTimeString()}  ${text}`;
  if (cls) li.className = cls;
  $('log-list').prepend(li);
};

// --- Ticker ---------------------------------------------------------------------------
const key = `demo-${Math.random().toString(36).slice(2, 10)}`;
let ticker;
let reconnects = 0;

function showState() {
  $('ticker-state').textContent = ticker.readyState;
  $('ticker-state').dataset.state = ticker.readyState;
  $('ticker-id').textContent = ticker.lastEventId || '—';
  $('ticker-reconnects').textContent = reconnects;
}

function openTicker() {
  ticker = new EventSource(`/stream?gen=clock&interval=500&key=${key}`, {
    reconnect: { initialDelay: 1000 },
  });
  ticker.onopen = (e) => { log(`ticker open (HTTP ${e.status ?? 200})`, 'ok'); showState(); };
  ticker.onmessage = (e) => {
    const { i } = JSON.parse(e.data);
    $('tick').textContent = `#${i}`;
    log(`ticker message id=${e.lastEventId} ${e.data}`);
    showState();
  };
  ticker.onerror = (e) => {
    if (ticker.readyState === EventSource.CONNECTING) reconnects += 1;
    log(`ticker error (${e.phase ?? 'error'}${e.willRetry ? `, retrying in ${e.delay} ms` : ''})`, 'err');
    showState();
  };
  showState();
}
openTicker();

$('drop').onclick = async () => {
  const response = await fetch(`/demo/drop?key=${key}`);
  log(`asked the server to drop the ticker: ${await response.text()}`);
};
$('toggle').onclick = () => {
  if (ticker.readyState === EventSource.CLOSED) {
    openTicker();
    $('toggle').textContent = 'Close';
  } else {
    ticker.close();
    log('ticker closed');
    showState();
    $('toggle').textContent = 'Open';
  }
};
setInterval(showState, 250);

// --- Chat -------------------------------------------------------------------------------
$('chat-form').onsubmit = (event) => {
  event.preventDefault();
  const message = $('chat-input').value;
  $('chat-out').textContent = '';
  const chat = new EventSource('/demo/chat', {
    method: 'POST',
    headers: { Authorization: 'Bearer demo-token', 'Content-Type': 'application/json' },
    body: JSON.stringify({ message }),
    finite: true,
  });
  chat.onmessage = (e) => {
    // The server echoes what it received: the POST body and the Authorization header.
    log(`chat echo ${e.data}`);
    $('chat-out').textContent = `${e.data}\n`;
  };
  chat.addEventListener('reply', (e) => {
    $('chat-out').textContent += JSON.parse(e.data).delta;
  });
  chat.addEventListener('done', (e) => log(`chat done ${e.data}`, 'ok'));
  chat.onerror = (e) => {
    log(`chat stream ended (readyState ${chat.readyState}, phase ${e.phase})`);
    chat.close();
  };
};

globalThis.demo = { get ticker() { return ticker; } };
