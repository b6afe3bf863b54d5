// The demo page: four panels, each in its own module. On load the race, the fault scenario
// and the POST stream start by themselves, so the page is alive within a second; with
// `?manual` in the URL they wait for their buttons (the demo test clicks them).
// `globalThis.demo` exposes the panels' state for the test and the console.
import { setupRace } from './race.js';
import { setupTimeline } from './timeline.js';
import { setupChat } from './chat.js';
import { setupShare } from './share.js';
import { $ } from './util.js';

globalThis.demo = {
  race: setupRace(),
  timeline: setupTimeline(),
  chat: setupChat(),
  share: setupShare(),
};
document.documentElement.dataset.ready = 'true';

if (!new URLSearchParams(location.search).has('manual')) {
  $('race-form').requestSubmit();
  $('tl-start').click();
  $('chat-form').requestSubmit();
}
