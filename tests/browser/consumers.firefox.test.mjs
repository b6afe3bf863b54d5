// The consumer pages of consumers.test.mjs (plain page, Vite build, worker, …) in
// Firefox ESR, driven through W3C WebDriver (consumer_engine.mjs).
process.env.CONSUMERS_ENGINE = 'firefox';
await import('./consumers.test.mjs');
