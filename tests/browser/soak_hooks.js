// Imported by soak.js before the package: counts the wasm cores that wasm-bindgen's glue
// registers and frees. The glue creates its FinalizationRegistries when it is evaluated;
// the one for exported classes is called with the object's pointer (a number) as the held
// value, its closure registry with an object, so a number means an `EventSourceCore`.
const Native = globalThis.FinalizationRegistry;

/** Cores created (registered) and freed by their finalizer, since the page loaded. */
export const wasmCores = { created: 0, freed: 0 };

globalThis.FinalizationRegistry = class CountingFinalizationRegistry extends Native {
  constructor(cleanup) {
    super((held) => {
      if (typeof held === 'number') wasmCores.freed += 1;
      cleanup(held);
    });
  }

  register(target, held, token) {
    if (typeof held === 'number') wasmCores.created += 1;
    return super.register(target, held, token);
  }
};

/** Puts the platform's class back (once the package is loaded). */
export function restore() {
  globalThis.FinalizationRegistry = Native;
}
