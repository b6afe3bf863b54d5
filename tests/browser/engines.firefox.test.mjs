// The browser suite (engines.mjs) in Firefox ESR alone: one file per engine, so the
// test command can run the engines beside the other test files.
process.env.ENGINES = 'firefox';
await import('./engines.mjs');
