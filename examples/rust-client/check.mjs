// Opens the example in headless Chromium and prints what the page listed (it must end
// with "end"): node examples/rust-client/check.mjs "$SSE_SERVER_URL"
// (after the wasm-pack build and start_server, as in Cargo.toml). Not run by scripts/test.sh.
import { chromium } from 'playwright-core';
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--headless'] });
const page = await browser.newPage();
page.on('console', (m) => console.log('console:', m.text()));
page.on('pageerror', (e) => console.log('pageerror:', e.message));
await page.goto(process.argv[2] + '/examples/rust-client/');
await page.waitForFunction(() => document.querySelector('#log')?.textContent.includes('end'), null, { timeout: 15000 });
console.log(await page.$$eval('#log li', (items) => items.map((i) => i.textContent).join('\n')));
await browser.close();
