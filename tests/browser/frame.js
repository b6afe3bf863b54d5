// Page side of tests/browser/frame.html: hands this document's EventSource class to the
// test in the parent window.
import { EventSource, isSharedLeader } from '../../js/index.js';

globalThis.__EventSource = EventSource;
globalThis.__isSharedLeader = isSharedLeader;
globalThis.__ready = true;
