/**
 * `spikerep train` on an 80-column terminal (a pseudo-terminal from util-linux `script`, sized with `stty`): every
 * line it draws fits, the progress bar keeps its fields by rank (accuracy, img/s and the ETA; the loss goes
 * first), the validation and test evaluations show their own progress, and the result is one line. With --quiet
 * the result line is all there is.
 */

import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { cliArgs, ROOT } from '../support/cli.command.js';
import { tempDir } from '../support/data.fixtures.js';
import { type Frame, terminalFrames } from '../support/terminal-frames.js';

const hasScript = spawnSync('script', ['--version']).status === 0 && spawnSync('stty', ['--version']).status === 0;
const tmp = tempDir('terminal-width');
const skip = hasScript ? false : 'needs `script` (util-linux) and `stty` for a pseudo-terminal';

/** Runs `spikerep <args>` on a pseudo-terminal `columns` wide; resolves with its exit code and what it drew. */
function onTerminal(columns: number, args: string[]): Promise<{ code: number | null; output: string }> {
  const quote = (a: string): string => `'${a.replaceAll("'", "'\\''")}'`;
  const command = `stty cols ${columns} rows 24; exec ${[process.execPath, ...cliArgs(args)].map(quote).join(' ')}`;
  return new Promise((resolve, reject) => {
    const c = spawn('script', ['-qfec', command, '/dev/null'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const give = setTimeout(() => {
      c.kill('SIGKILL');
      reject(new Error(`not done within 120 s:\n${output}`));
    }, 120_000);
    c.stdout.on('data', (d: Buffer) => {
      output += d.toString();
    });
    c.on('close', (code) => {
      clearTimeout(give);
      resolve({ code, output });
    });
  });
}

const tiny = ['--train-limit', '256', '--test-limit', '600', '--test-batch-size', '100', '--batch-size', '8'];
const quick = [...tiny, '--T', '2', '--threads', '1', '--epochs', '1'];

function shown(frames: Frame[]): string {
  return frames.map((f) => `${String(f.columns).padStart(3)} ${f.text}`).join('\n');
}

test('train at 80 columns: no line wider, the fields by rank, evaluation progress, a one-line result', {
  skip,
  timeout: 180_000,
}, async () => {
  const dir = join(tmp, 'run');
  try {
    const r = await onTerminal(80, ['train', ...quick, '--checkpoint', dir]);
    const frames = terminalFrames(r.output);
    assert.equal(r.code, 0, shown(frames));
    // a path is never cut: a line naming a file may be wider by the path's length, no more
    for (const f of frames) {
      const width = f.text.startsWith('wrote ') ? f.columns - dir.length : f.columns;
      assert.ok(width <= 80, `${f.columns} columns:\n${shown(frames)}`);
    }
    const bars = frames.filter((f) => f.text.startsWith('epoch 1/1 ['));
    assert.ok(bars.length > 0, shown(frames));
    // at 80 columns the bar narrows; the accuracy, the speed and the ETA stay (the loss too while it fits)
    const last = bars[bars.length - 1]!.text;
    assert.match(
      last,
      /^epoch 1\/1 \[█+\] 32\/32 100% (\| loss \d\.\d{4} )?\| acc \d+\.\d\d% \| img\/s \d+ \| ETA 0s$/,
    );
    assert.ok(
      bars.some((f) => /\| ETA \d+s$/.test(f.text) && !f.text.includes('32/32')),
      `an ETA while the epoch runs:\n${shown(frames)}`,
    );
    for (const name of ['val', 'test']) {
      assert.ok(
        frames.some((f) => new RegExp(`^eval ${name} \\[[█░]+\\] \\d+/\\d+ \\d+%`).test(f.text)),
        `eval ${name} progress:\n${shown(frames)}`,
      );
    }
    assert.ok(frames.some((f) => /^eval test \[█+░*\] (100|200|300|400|500|600)\/600 /.test(f.text)));
    // a message longer than the terminal (the calibrated thresholds) is wrapped at words
    assert.ok(frames.some((f) => f.text.startsWith('thresholds at percentile 95')));
    const result = frames[frames.length - 1]!.text;
    assert.match(result, /^test accuracy \d+\.\d\d% \| epoch 1\/1\b.* \| mnist if T=2/);
    assert.equal(frames.filter((f) => f.text.startsWith('test accuracy')).length, 1, 'one result line');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('train --quiet on a terminal: only the result line', { skip, timeout: 120_000 }, async () => {
  const r = await onTerminal(80, ['train', ...quick, '--quiet']);
  const frames = terminalFrames(r.output);
  assert.equal(r.code, 0, shown(frames));
  assert.equal(frames.length, 1, shown(frames));
  assert.match(frames[0]!.text, /^test accuracy \d+\.\d\d% \| .* \| mnist if T=2/);
  assert.ok(frames[0]!.columns <= 80);
});
