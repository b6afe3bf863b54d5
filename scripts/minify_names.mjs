// Shortens the names the wasm imports from the wasm-bindgen glue (each carries a
// 16-hex-digit hash: about 90 of them are ~4 KB of the wasm and again of the glue), and
// renames the glue's import object to match. Only the imports of the glue's own module
// ('./eventsource_wasm_bg.js', which becomes 'a') are renamed: the functions a snippet
// module provides directly keep their names, and the exports are not touched (`init()`
// returns them, e.g. `memory`).
// Usage: node scripts/minify_names.mjs <wasm> <glue.js>   (both rewritten in place)
// Fails (exit 1) unless every renamed import is found exactly once in the glue.
import { readFileSync, writeFileSync } from 'node:fs';

const [wasmFile, glueFile] = process.argv.slice(2);
const fail = (/** @type {string} */ message) => {
  console.error(`minify_names: ${message}`);
  process.exit(1);
};
const BG = './eventsource_wasm_bg.js';
const SHORT_MODULE = 'a';

const bytes = readFileSync(wasmFile);
const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/** Reads an unsigned LEB128 at `pos`: [value, next position]. */
function leb(/** @type {number} */ pos) {
  let value = 0;
  let shift = 0;
  for (;;) {
    if (pos >= bytes.length) fail('truncated wasm');
    const byte = bytes[pos++];
    value += (byte & 0x7f) * 2 ** shift;
    shift += 7;
    if ((byte & 0x80) === 0) return [value, pos];
  }
}

/** An unsigned LEB128. */
function toLeb(/** @type {number} */ value) {
  const out = [];
  do {
    let byte = value % 128;
    value = Math.floor(value / 128);
    if (value > 0) byte |= 0x80;
    out.push(byte);
  } while (value > 0);
  return out;
}

/** A wasm `name` (length-prefixed UTF-8). */
function toName(/** @type {string} */ text) {
  const utf8 = encoder.encode(text);
  return [...toLeb(utf8.length), ...utf8];
}

/** Short names: a, b, …, z, A, …, Z, $, _, then two characters, and so on. */
const ALPHABET = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ$_';
function shortName(/** @type {number} */ i) {
  let name = '';
  do {
    name = ALPHABET[i % ALPHABET.length] + name;
    i = Math.floor(i / ALPHABET.length) - 1;
  } while (i >= 0);
  return name;
}

// Find the import section (id 2).
if (bytes.readUInt32LE(0) !== 0x6d736100) fail('not a wasm module');
let pos = 8;
let section = -1;
let sectionEnd = 0;
while (pos < bytes.length) {
  const id = bytes[pos];
  const [size, body] = leb(pos + 1);
  if (id === 2) {
    section = pos;
    sectionEnd = body + size;
    pos = body;
    break;
  }
  pos = body + size;
}
if (section < 0) fail('no import section');

/** @type {number[]} */
const out = [];
const [count, first] = leb(pos);
pos = first;
out.push(...toLeb(count));
/** @type {Map<string, string>} */
const renamed = new Map();
for (let i = 0; i < count; i++) {
  const [moduleLength, moduleStart] = leb(pos);
  const module = decoder.decode(bytes.subarray(moduleStart, moduleStart + moduleLength));
  pos = moduleStart + moduleLength;
  const [nameLength, nameStart] = leb(pos);
  const name = decoder.decode(bytes.subarray(nameStart, nameStart + nameLength));
  pos = nameStart + nameLength;
  // The import's description: kind, then its type (copied as is).
  const descStart = pos;
  const kind = bytes[pos++];
  if (kind === 0x00) {
    pos = leb(pos)[1]; // function: type index
  } else if (kind === 0x01 || kind === 0x02) {
    if (kind === 0x01) pos += 1; // table: reference type
    const flags = bytes[pos++];
    pos = leb(pos)[1]; // minimum
    if (flags & 1) pos = leb(pos)[1]; // maximum
  } else if (kind === 0x03) {
    pos += 2; // global: value type, mutability
  } else {
    fail(`import ${module} ${name}: unknown kind ${kind}`);
  }
  if (module === BG) {
    if (renamed.has(name)) fail(`import ${name} twice`);
    const short = shortName(renamed.size);
    renamed.set(name, short);
    out.push(...toName(SHORT_MODULE), ...toName(short));
  } else {
    if (module === SHORT_MODULE) fail(`a module is already named ${SHORT_MODULE}`);
    out.push(...toName(module), ...toName(name));
  }
  out.push(...bytes.subarray(descStart, pos));
}
if (pos !== sectionEnd) fail('the import section did not end where it should');

const wasm = Buffer.concat([
  bytes.subarray(0, section),
  Buffer.from([2, ...toLeb(out.length), ...out]),
  bytes.subarray(sectionEnd),
]);
// The result must still be a valid module with the new imports.
if (!WebAssembly.validate(wasm)) fail('the rewritten wasm does not validate');

// The glue's import object (`__wbg_get_imports`): `        name: function(…` keys of
// `import0`, and `"./eventsource_wasm_bg.js": import0,` in the object it returns.
let glue = readFileSync(glueFile, 'utf8');
const escape = (/** @type {string} */ s) => s.replace(/[$.*+?^(){}|[\]\\]/g, '\\$&');
for (const [name, short] of renamed) {
  const key = new RegExp(`^(\\s+)${escape(name)}:`, 'gm');
  const found = glue.match(key)?.length ?? 0;
  if (found !== 1) fail(`import ${name}: ${found} keys in the glue`);
  glue = glue.replace(key, `$1${short}:`);
}
const moduleKey = new RegExp(`^(\\s+)${escape(JSON.stringify(BG))}:`, 'gm');
if ((glue.match(moduleKey)?.length ?? 0) !== 1) fail(`${BG} is not once in the glue`);
glue = glue.replace(moduleKey, `$1${JSON.stringify(SHORT_MODULE)}:`);

writeFileSync(wasmFile, wasm);
writeFileSync(glueFile, glue);
