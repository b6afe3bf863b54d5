// The options read in JS rather than by the wasm core (`resume`, `resumeKey`, `shared`)
// and the core wrappers they select: `wrapCore` is what js/event_source.js calls (through
// `eventSourceApi`'s second argument) instead of creating the wasm core directly.
//
// - `shared` → a SharedSource (js/shared.js), where Web Locks and BroadcastChannel exist;
// - in a window → a ManagedSource (js/lifecycle.js): page lifecycle, resume cursor;
// - otherwise (a worker with no `resume`) → the wasm core itself.

import { ResumeCursor } from './resume.js';
import { ManagedSource, inWindow } from './lifecycle.js';
import { SharedSource, canShare } from './shared.js';

export { isSharedLeader } from './shared.js';

const CONSTRUCT = "Failed to construct 'EventSource': ";

/**
 * `init[name]` (inherited members and getters included, like a WebIDL dictionary),
 * undefined when init is undefined or null.
 * @param {any} init
 * @param {string} name
 */
function member(init, name) {
  return init === undefined || init === null ? undefined : init[name];
}

/**
 * WebIDL DOMString conversion (a Symbol throws a TypeError).
 * @param {unknown} value
 */
function domString(value) {
  return `${/** @type {any} */ (value)}`;
}

/**
 * Reads and converts this module's members, in WebIDL's (lexicographic) order. A bad
 * value throws a TypeError, as the core does for its members.
 * @param {any} init
 * @returns {{ resume: 'session' | 'local' | null, resumeKey: string | null, shared: true | string | null }}
 */
export function readFeatureOptions(init) {
  /** @type {'session' | 'local' | null} */
  let resume = null;
  const rawResume = member(init, 'resume');
  if (rawResume !== undefined) {
    const value = domString(rawResume);
    if (value !== 'session' && value !== 'local') {
      throw new TypeError(`${CONSTRUCT}The provided value '${value}' is not a valid enum value of type ResumeStorage.`);
    }
    resume = value;
  }
  /** @type {string | null} */
  let resumeKey = null;
  const rawKey = member(init, 'resumeKey');
  if (rawKey !== undefined) {
    resumeKey = domString(rawKey);
    if (resumeKey === '') throw new TypeError(`${CONSTRUCT}resumeKey must not be empty.`);
  }
  /** @type {true | string | null} */
  let shared = null;
  const rawShared = member(init, 'shared');
  if (rawShared !== undefined && rawShared !== false) {
    if (rawShared === true) {
      shared = true;
    } else if (typeof rawShared === 'string' && rawShared !== '') {
      shared = rawShared;
    } else {
      throw new TypeError(`${CONSTRUCT}shared must be a boolean or a non-empty string.`);
    }
  }
  return { resume, resumeKey, shared };
}

/**
 * Resolves `url` as the core will (for the resume key, before the core exists); null when
 * it does not parse (the core then throws its SyntaxError).
 * @param {string} url
 */
function resolve(url) {
  try {
    const base = typeof document === 'object' && document !== null
      ? document.baseURI
      : globalThis.location?.href;
    return new URL(url, base).href;
  } catch {
    return null;
  }
}

/**
 * Creates the core of a new EventSource: the wasm core, or a wrapper adding sharing,
 * page lifecycle handling and the resume cursor.
 * @param {EventTarget} shell the EventSource object
 * @param {string} url
 * @param {any} init
 * @param {(shell: any, url: string, init: any) => any} create makes a wasm core
 */
export function wrapCore(shell, url, init, create) {
  const options = readFeatureOptions(init);
  const sharing = options.shared !== null && canShare();
  if (!sharing && options.resume === null && !inWindow) return create(shell, url, init);
  let cursor = null;
  let storedId = null;
  if (options.resume !== null) {
    const key = options.resumeKey ?? resolve(url);
    if (key === null) return create(shell, url, init);
    cursor = new ResumeCursor(options.resume, key);
    storedId = cursor.read();
  }
  if (sharing && options.shared !== null) {
    return new SharedSource(shell, url, init, create, options.shared, cursor, storedId);
  }
  return new ManagedSource(shell, url, init, create, cursor, storedId);
}
