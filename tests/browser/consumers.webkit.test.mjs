// The consumer pages of consumers.test.mjs (plain page, Vite build, worker, …) in
// WebKitGTK, driven through W3C WebDriver (consumer_engine.mjs).
process.env.CONSUMERS_ENGINE = 'webkit';
await import('./consumers.test.mjs');
