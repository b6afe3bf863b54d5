// The demo page: four panels, each in its own module. `globalThis.demo` exposes their state
// for the demo test and for poking around in the console.
import { setupRace } from './race.js';
import { setupTimeline } from './timeline.js';
import { setupChat } from './chat.js';
import { setupShare } from './share.js';

globalThis.demo = {
  race: setupRace(),
  timeline: setupTimeline(),
  chat: setupChat(),
  share: setupShare(),
};
document.documentElement.dataset.ready = 'true';
