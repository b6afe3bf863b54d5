// The size budget (issue #12): everything a page loads for `import 'eventsource-wasm'` —
// the browser entry, every module of its import graph (js/*.js, pkg/eventsource_wasm.js,
// pkg/snippets/**; found by parsing the imports, so a new file is counted without editing
// this test) and the wasm it fetches — brotli quality 11, file by file, summed.
// Needs pkg/ (bash scripts/build.sh), as the other tests here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pageFiles, summarize } from '../../bench/page-size.mjs';

/**
 * The budget, in bytes of brotli (q 11) over all the JS + wasm a page loads. Set to the
 * size measured on 2026-11-25 (the bundled entry, the glue on the sans-I/O machine,
 * `onComment` and the `url` function: 40,695 B) + 2 %, while the core is being shrunk
 * (issue #12): lower it to each size reached, so that growth fails here. (Opt-level `s`
 * for the parser's speed then took 41,282 B of it; group backpressure for shared sources
 * cost ~650 B, paid for by moving URL parsing, the event details and the route's setters
 * into js/glue.js: 41,108 B; 41,159 B with longer parse steps for long events.)
 */
const BUDGET_BYTES = 41_250;

/** The issue's target (≤ 12 KB brotli; aim for 8). Printed, not enforced, until reached. */
const TARGET_BYTES = 12_000;

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

test(`a page loads at most ${BUDGET_BYTES} B brotli for import 'eventsource-wasm'`, async () => {
  const files = await pageFiles(ROOT);
  const { total, lines } = summarize(files);
  const gap = total - TARGET_BYTES;
  console.log([
    'what a page loads (brotli q 11, per file):',
    ...lines.map((l) => `  ${l}`),
    `  budget ${BUDGET_BYTES} B (${total <= BUDGET_BYTES ? `${BUDGET_BYTES - total} B to spare` : `${total - BUDGET_BYTES} B OVER`}); ` +
      `issue #12 target ${TARGET_BYTES} B (${gap > 0 ? `${gap} B to go, ${(total / TARGET_BYTES).toFixed(2)}×` : 'met'})`,
  ].join('\n'));
  // The graph must reach the wasm and the generated glue, or the sum means nothing.
  assert.ok(files.some((f) => f.wasm), 'no wasm (nor JS that instantiates one) in the import graph');
  assert.ok(files.some((f) => f.file.startsWith('pkg/') && f.file.endsWith('.js')), 'the wasm-bindgen glue is not in the import graph');
  assert.ok(total <= BUDGET_BYTES, `a page loads ${total} B brotli, over the budget of ${BUDGET_BYTES} B`);
});
