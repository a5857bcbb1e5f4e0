/**
 * Ctrl-C and SIGTERM during training on a real terminal (a pseudo-terminal from util-linux `script`): the progress
 * bar hides the cursor and turns auto-wrap off, so the output must end by turning both back on, the exit code must be
 * the shell's 128 + signal (130, 143), and the checkpoint of the finished epoch must still load.
 */

import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadCheckpoint } from '../../src/train/checkpoint.js';
import { SHOW_CURSOR, WRAP_ON } from '../../src/train/progress.js';
import { cliArgs, ROOT } from '../support/cli.command.js';
import { tempDir } from '../support/data.fixtures.js';

const HIDE_CURSOR = '\x1b[?25l';
const WRAP_OFF = '\x1b[?7l';
const hasScript = spawnSync('script', ['--version']).status === 0;
const tmp = tempDir('terminal');

interface Ran {
  code: number | null;
  output: string;
}

/**
 * Runs `spikerep train` under a pseudo-terminal; once the second epoch's bar is drawn, `interrupt` sends the
 * signal: 'ctrl-c' types ^C into the terminal (the kernel sends SIGINT to the foreground job), 'sigterm' kills the
 * CLI's process by its id.
 */
function trainUnderTerminal(dir: string, interrupt: 'ctrl-c' | 'sigterm'): Promise<Ran> {
  const quote = (a: string): string => `'${a.replaceAll("'", "'\\''")}'`;
  const args = cliArgs([
    'train',
    ...['--train-limit', '512', '--test-limit', '16', '--batch-size', '8', '--T', '2', '--threads', '1'],
    ...['--epochs', '2', '--checkpoint', dir],
  ]);
  // `exec` keeps the shell's process id, printed first, for the SIGTERM case
  const command = `echo "pid $$"; exec ${[process.execPath, ...args].map(quote).join(' ')}`;
  return new Promise((resolve, reject) => {
    const c = spawn('script', ['-qfec', command, '/dev/null'], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    let sent = false;
    const give = setTimeout(() => {
      c.kill('SIGKILL');
      reject(new Error(`no second epoch within 120 s:\n${output}`));
    }, 120_000);
    c.stdout.on('data', (d: Buffer) => {
      output += d.toString();
      if (sent || !output.includes('epoch 2/2 [')) return;
      sent = true;
      if (interrupt === 'ctrl-c') c.stdin.write('\x03');
      else process.kill(Number(/pid (\d+)/.exec(output)![1]), 'SIGTERM');
    });
    c.on('close', (code) => {
      clearTimeout(give);
      c.stdin.destroy();
      resolve({ code, output });
    });
  });
}

for (const [interrupt, code] of [
  ['ctrl-c', 130],
  ['sigterm', 143],
] as const) {
  test(`${interrupt} during a progress bar: cursor and auto-wrap restored, exit ${code}, last epoch's checkpoint intact`, {
    skip: hasScript ? false : 'needs `script` (util-linux) for a pseudo-terminal',
    timeout: 180_000,
  }, async () => {
    const dir = join(tmp, interrupt);
    try {
      const r = await trainUnderTerminal(dir, interrupt);
      assert.equal(r.code, code, r.output);
      assert.ok(r.output.includes(HIDE_CURSOR) && r.output.includes(WRAP_OFF), 'the bar did hide the cursor');
      const tail = r.output.slice(r.output.lastIndexOf('epoch 2/2 ['));
      // after the last bar frame: the cursor shown and wrapping on, and nothing hides them again
      assert.ok(tail.includes(SHOW_CURSOR), `cursor shown at the end: ${JSON.stringify(tail.slice(-80))}`);
      assert.ok(tail.includes(WRAP_ON), `auto-wrap on at the end: ${JSON.stringify(tail.slice(-80))}`);
      assert.ok(tail.lastIndexOf(HIDE_CURSOR) < tail.lastIndexOf(SHOW_CURSOR));
      assert.ok(tail.lastIndexOf(WRAP_OFF) < tail.lastIndexOf(WRAP_ON));
      assert.doesNotMatch(r.output, /internal error|\n\s+at /);
      // the interrupt landed in epoch 2: epoch 1's checkpoint is whole
      const ck = loadCheckpoint<{ run: { epoch: number } }>(join(dir, 'last.ckpt'));
      assert.equal(ck.meta.run.epoch, 1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}
