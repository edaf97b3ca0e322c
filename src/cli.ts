#!/usr/bin/env -S node --max-semi-space-size=2
// First: V8 flags must be set before the other modules are evaluated.
import './low-memory.js';
import { main, report } from './cli/main.js';

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exitCode = code;
  },
  async (error: unknown) => {
    process.exitCode = await report(error);
  },
);
