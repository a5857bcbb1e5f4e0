/**
 * How the end-to-end tests start the CLI: the compiled dist/cli/bin.js, as the installed `spikerep` runs it.
 * Each spawn then skips transpiling src/ through the TypeScript loader, which made up most of a short command's
 * time. `npm run test:e2e` (and `npm test`) build dist/ first; a dist/ older than src/ fails loudly instead of
 * testing stale code.
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const ENTRY = join(ROOT, 'dist', 'cli', 'bin.js');

function newestSource(dir: string): number {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) newest = Math.max(newest, newestSource(p));
    else if (e.name.endsWith('.ts')) newest = Math.max(newest, statSync(p).mtimeMs);
  }
  return newest;
}

function checkBuilt(): void {
  let built: number;
  try {
    built = statSync(ENTRY).mtimeMs;
  } catch {
    throw new Error(`${ENTRY} is missing: run "npm run build:ts" (npm run test:e2e does)`);
  }
  if (built < newestSource(join(ROOT, 'src')))
    throw new Error(`dist/ is older than src/: run "npm run build:ts" (npm run test:e2e does)`);
}

checkBuilt();

/** Node's arguments for `spikerep <args>`; `preload` modules (e.g. fault injection) are imported first. */
export function cliArgs(args: readonly string[], preload: readonly string[] = []): string[] {
  return [...preload.flatMap((m) => ['--import', m]), ENTRY, ...args];
}
