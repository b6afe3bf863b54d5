// The resume cursor (`resume: 'session' | 'local'`): the last event ID kept in Web
// Storage under a key derived from the resolved URL (or `resumeKey`), read when a source
// is created (so a reloaded page sends it as `Last-Event-ID` on its first request) and
// written whenever the source's last event ID changes. Storage that is missing, disabled,
// full or forbidden (SecurityError) is ignored: the cursor is a best effort and never
// breaks the source.

/** The prefix of every key this module writes. */
export const RESUME_PREFIX = 'eventsource-wasm:last-event-id:';

/**
 * One source's cursor in storage. `read()` is the stored id (null when none or when
 * storage cannot be used); `write(id)` stores it (an empty id removes the entry, as an
 * empty `id:` resets the cursor) and skips writes of an unchanged value.
 */
export class ResumeCursor {
  /** @type {'session' | 'local'} */
  #area;
  /** @type {string} */
  #key;
  /** @type {string | null | undefined} The value last read or written (undefined: unknown). */
  #written = undefined;

  /**
   * @param {'session' | 'local'} area
   * @param {string} key the resolved URL or the `resumeKey`
   */
  constructor(area, key) {
    this.#area = area;
    this.#key = RESUME_PREFIX + key;
  }

  /** @returns {Storage | null} */
  #storage() {
    try {
      // The getter itself throws a SecurityError where storage is forbidden.
      const storage = this.#area === 'local' ? globalThis.localStorage : globalThis.sessionStorage;
      return storage ?? null;
    } catch {
      return null;
    }
  }

  /** The stored id, or null. */
  read() {
    const storage = this.#storage();
    if (storage === null) return null;
    try {
      const id = storage.getItem(this.#key);
      this.#written = id;
      return id;
    } catch {
      return null;
    }
  }

  /**
   * Stores `id` ('' removes the entry).
   * @param {string} id
   */
  write(id) {
    const value = id === '' ? null : id;
    if (value === this.#written) return;
    const storage = this.#storage();
    if (storage === null) return;
    try {
      if (value === null) storage.removeItem(this.#key);
      else storage.setItem(this.#key, value);
      this.#written = value;
    } catch {
      // QuotaExceededError, or storage disabled after the read: keep streaming.
    }
  }
}
