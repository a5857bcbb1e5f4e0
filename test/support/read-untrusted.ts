/**
 * Child-process helper for the memory tests: reads one untrusted file with spikerep's reader and prints the
 * outcome, then `maxRSS <bytes>` (its own peak resident memory). Usage: read-untrusted.ts nir|idx <file>
 */
import { existsSync, readFileSync } from 'node:fs';

const [kind, file] = process.argv.slice(2) as [string, string];
try {
  // only the reader under test is loaded (h5wasm alone takes hundreds of MB)
  if (kind === 'nir') await (await import('../../src/export/nir-h5.js')).readNir(file);
  else (await import('../../src/data/idx.js')).readIdxImages(file);
  console.log('accepted');
} catch (e) {
  console.log(`${(e as Error).name}: ${(e as Error).message}`);
}
// VmHWM is this process's own peak; getrusage's maxRSS keeps the parent's across fork and exec on Linux
const hwm = /VmHWM:\s*(\d+) kB/.exec(existsSync('/proc/self/status') ? readFileSync('/proc/self/status', 'utf8') : '');
console.log(`maxRSS ${(hwm !== null ? Number(hwm[1]) : process.resourceUsage().maxRSS) * 1024}`);
