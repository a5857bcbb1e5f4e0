#!/usr/bin/env node
// The installed CLI runs the compiled code in dist/ (built by `npm ci` / `npm install` through `prepare`).
import { existsSync } from 'node:fs';

const entry = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(entry)) {
  console.error('spikerep: dist/ is missing — run `npm ci` (or `npm run build`) in the spikerep folder first');
  process.exit(1);
}
const { main } = await import(entry.href);
process.exitCode = await main(process.argv.slice(2));
