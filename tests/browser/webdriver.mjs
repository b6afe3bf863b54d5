// Firefox ESR and WebKitGTK for the browser tests, driven through W3C WebDriver by
// selenium-webdriver: we start the engine's own driver (geckodriver, WebKitWebDriver under
// xvfb-run) on a free loopback port and attach to it, so nothing is ever downloaded
// (selenium's driver manager is never asked).
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { Builder } from 'selenium-webdriver';

/** The engines this module drives, with their driver command and session capabilities. */
export const ENGINES = {
  firefox: {
    driver: (port) => ['geckodriver', ['--host', '127.0.0.1', '--port', String(port)]],
    capabilities: {
      browserName: 'firefox',
      'moz:firefoxOptions': {
        binary: '/usr/bin/firefox-esr',
        args: ['-headless'],
        prefs: {
          // Loopback only: no proxy, no background traffic.
          'network.proxy.type': 0,
          'app.update.enabled': false,
          'browser.shell.checkDefaultBrowser': false,
        },
      },
    },
  },
  webkit: {
    // WebKitGTK needs a display: a private Xvfb per run (-a picks a free display number).
    driver: (port) => ['xvfb-run', ['-a', 'WebKitWebDriver', `--port=${port}`]],
    capabilities: {
      browserName: 'MiniBrowser',
      'webkitgtk:browserOptions': {
        binary: '/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser',
        args: ['--automation'],
      },
    },
  },
};

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

async function waitReady(url, child, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the driver exited with ${child.exitCode}`);
    try {
      const response = await fetch(`${url}/status`);
      if (response.ok) return;
    } catch { /* not listening yet */ }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`the driver did not answer on ${url} within ${timeoutMs} ms`);
}

/**
 * Starts `engine`'s WebDriver server and opens one session.
 * @param {'firefox' | 'webkit'} engine
 * @returns {Promise<{ driver: import('selenium-webdriver').WebDriver, quit: () => Promise<void> }>}
 */
export async function launch(engine) {
  const spec = ENGINES[engine];
  if (!spec) throw new Error(`unknown engine ${engine}`);
  const port = await freePort();
  const [command, args] = spec.driver(port);
  const log = [];
  // Its own process group, so the whole tree (xvfb-run, Xvfb, the driver, the browser) is
  // ended by this group's id and nothing else.
  const child = spawn(command, args, { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const keep = (chunk) => { log.push(String(chunk)); if (log.length > 200) log.shift(); };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const stopDriver = () => {
    if (child.exitCode === null) {
      try { process.kill(-child.pid, 'SIGTERM'); } catch { /* already gone */ }
    }
  };
  const url = `http://127.0.0.1:${port}`;
  let driver;
  try {
    await waitReady(url, child, 20_000);
    driver = await new Builder().usingServer(url).withCapabilities(spec.capabilities).build();
  } catch (error) {
    stopDriver();
    throw new Error(`${engine}: ${error.message}\n${log.join('').slice(-2000)}`);
  }
  return {
    driver,
    async quit() {
      try { await driver.quit(); } catch { /* the session may be gone already */ }
      stopDriver();
    },
  };
}
