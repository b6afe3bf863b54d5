// The browser suite (engines.mjs) in WebKitGTK alone: one file per engine, so the test
// command can run the engines beside the other test files.
process.env.ENGINES = 'webkit';
await import('./engines.mjs');
