/**
 * The progress display: one line fitted to the terminal's width (the bar shrinks first, then whole fields go by
 * rank, never a field cut in the middle), an ETA from a moving average of recent steps, and the three ways it is
 * shown (a bar on a terminal, log lines, nothing with --quiet).
 */

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Eta } from '../../src/train/eta.js';
import { makeProgress } from '../../src/train/progress.js';
import { formatDuration, formatProgress, type ProgressFields, wrapLine } from '../../src/train/progress-line.js';
import { terminalFrames } from '../support/terminal-frames.js';

const training: ProgressFields = {
  label: 'epoch 3/10',
  done: 120,
  total: 860,
  eta: 65,
  values: { loss: '0.2134', acc: '91.20%', 'img/s': '1234' },
  bar: true,
};

/** The line's fields after the bar: `120/860 13%`, `loss 0.2134`, … */
function fieldsOf(line: string): string[] {
  return line.replace(/^.*\] /, '').split(' | ');
}

test('formatProgress at 120 columns: every field and a bar of the largest width', () => {
  const line = formatProgress(training, 120);
  assert.equal(
    line,
    `epoch 3/10 [${'█'.repeat(4)}${'░'.repeat(26)}] 120/860 13% | loss 0.2134 | acc 91.20% | img/s 1234 | ETA 1m05s`,
  );
  assert.ok(line.length <= 120);
});

test('formatProgress at 80 columns: the bar shrinks and the loss goes; accuracy, img/s and ETA stay', () => {
  const line = formatProgress(training, 80);
  assert.equal(line.length, 80, line);
  assert.match(line, /^epoch 3\/10 \[█*░+\] 120\/860 13% \| acc 91\.20% \| img\/s 1234 \| ETA 1m05s$/);
  assert.equal(/\[(.*)\]/.exec(line)![1]!.length, 17);
});

test('formatProgress at 60 columns: img/s goes too; the bar keeps its least width', () => {
  const line = formatProgress(training, 60);
  assert.match(line, /^epoch 3\/10 \[█*░+\] 120\/860 13% \| acc 91\.20% \| ETA 1m05s$/);
  assert.equal(/\[(.*)\]/.exec(line)![1]!.length, 10);
  assert.ok(line.length <= 60);
});

test('formatProgress at 40 columns: no bar and no accuracy; the count, percentage and ETA stay', () => {
  assert.equal(formatProgress(training, 40), 'epoch 3/10 120/860 13% | ETA 1m05s');
});

test('formatProgress at every width from 10 to 140: never wider, every field whole, ranks kept in order', () => {
  const full = fieldsOf(formatProgress(training, 1000));
  // what goes first: the loss, img/s, the bar, the accuracy, the percentage, the ETA
  const order = ['loss', 'img/s', 'bar', 'acc', '%', 'ETA'];
  let lastDropped = -1;
  for (let width = 140; width >= 10; width--) {
    const line = formatProgress(training, width);
    assert.ok(line.length <= width, `${width}: ${line}`);
    if (line.length < 'epoch 3/10 120/860'.length) continue;
    assert.ok(line.startsWith('epoch 3/10 '), line);
    for (const f of fieldsOf(line).slice(1)) assert.ok(full.includes(f), `${width}: "${f}" is not a whole field`);
    const shown = {
      loss: line.includes('loss 0.2134'),
      'img/s': line.includes('img/s 1234'),
      bar: line.includes('['),
      acc: line.includes('acc 91.20%'),
      '%': line.includes('13%'),
      ETA: line.includes('ETA 1m05s'),
    };
    // a field is only gone when every field of lower rank is gone
    const dropped = order.filter((k) => !shown[k as keyof typeof shown]).length;
    for (const [i, k] of order.entries())
      assert.equal(shown[k as keyof typeof shown], i >= dropped, `${width}: ${line}`);
    assert.ok(dropped >= lastDropped, 'narrower never shows more');
    lastDropped = dropped;
  }
});

test('formatProgress for an evaluation, and as a log line (no bar, no width limit)', () => {
  const evaluation = { label: 'eval test', done: 3000, total: 10000, eta: 12, values: { 'img/s': '1500' }, bar: true };
  const line = formatProgress(evaluation, 80);
  assert.match(line, /^eval test \[█+░+\] 3000\/10000 30% \| img\/s 1500 \| ETA 12s$/);
  assert.ok(line.length <= 80);
  assert.equal(
    formatProgress({ ...training, bar: false, eta: undefined }, Number.POSITIVE_INFINITY),
    'epoch 3/10 120/860 13% | loss 0.2134 | acc 91.20% | img/s 1234 | ETA --',
  );
});

test('wrapLine: at spaces, continuation lines indented, a word longer than the width kept whole', () => {
  const message =
    "thresholds at percentile 95 of each layer's input current (5 batches, 0.6 s): 1.722 1.605 1.621 1.623";
  const lines = wrapLine(message, 40);
  assert.deepEqual(lines, [
    'thresholds at percentile 95 of each',
    "  layer's input current (5 batches, 0.6",
    '  s): 1.722 1.605 1.621 1.623',
  ]);
  assert.equal(lines.map((l) => l.trim()).join(' '), message);
  assert.deepEqual(wrapLine('short', 40), ['short']);
  assert.deepEqual(wrapLine(`wrote ${'x'.repeat(50)} here`, 40), ['wrote', `  ${'x'.repeat(50)}`, '  here']);
});

test('formatDuration: seconds, minutes and seconds, hours and minutes', () => {
  assert.deepEqual([0, 4.4, 59.4, 60, 65, 3599, 3600, 7620].map(formatDuration), [
    '0s',
    '4s',
    '59s',
    '1m00s',
    '1m05s',
    '59m59s',
    '1h00m',
    '2h07m',
  ]);
});

test('Eta: a slow first step then steady steps converge on the steady rate, not on elapsed / done', () => {
  const total = 300;
  const eta = new Eta(total, 0);
  assert.equal(eta.seconds(0), undefined, 'no estimate before a step is timed');
  let now = 10; // the first step: 10 s (compilation, a cold cache)
  eta.observe(1, now);
  const seen: number[] = [];
  for (let done = 2; done <= 100; done++) {
    now += 0.1;
    eta.observe(done, now);
    seen.push(eta.seconds(now)! / (total - done));
  }
  // the estimated seconds per step fall towards the steady 0.1 s and never turn back up
  for (let i = 1; i < seen.length; i++) assert.ok(seen[i]! <= seen[i - 1]!);
  const steady = 0.1 * (total - 100);
  const overall = (now / 100) * (total - 100);
  const got = eta.seconds(now)!;
  assert.ok(Math.abs(got - steady) < 0.01 * steady, `ETA ${got} s, steady rate gives ${steady} s`);
  assert.ok(overall > 1.9 * steady, `elapsed / done would say ${overall} s`);
});

test('Eta: counts down between reports, follows a change of pace, and is 0 at the end', () => {
  const eta = new Eta(200, 0);
  for (let done = 1; done <= 50; done++) eta.observe(done, done * 0.5);
  const at = eta.seconds(25)!;
  assert.ok(Math.abs(at - 75) < 1e-9, `${at}`);
  assert.ok(Math.abs(eta.seconds(27)! - 73) < 1e-9, 'two seconds later, two seconds less');
  assert.equal(eta.seconds(1000), 0, 'never below zero');
  // steps become four times faster: within 60 steps the estimate follows
  let now = 25;
  for (let done = 51; done <= 110; done++) {
    now += 0.125;
    eta.observe(done, now);
  }
  const want = 90 * 0.125;
  assert.ok(Math.abs(eta.seconds(now)! - want) < 0.01 * want, `${eta.seconds(now)}, want ${want}`);
  eta.observe(200, now + 1);
  assert.equal(eta.seconds(now + 1), 0);
});

/** A stream that keeps what is written; a terminal of `columns` when `tty`. */
function fakeStream(tty: boolean, columns?: number): NodeJS.WriteStream & { written: string } {
  const s = {
    written: '',
    isTTY: tty,
    columns,
    write(chunk: string): boolean {
      s.written += chunk;
      return true;
    },
  };
  return s as unknown as NodeJS.WriteStream & { written: string };
}

test('without a terminal: about ten lines per epoch with the ETA, nothing for an evaluation; --quiet: nothing', () => {
  let now = 0;
  const stream = fakeStream(false);
  const p = makeProgress({ stream, clock: () => now });
  p.start('epoch 1/1', 40);
  for (let done = 1; done <= 40; done++) {
    now += 0.5;
    p.update(done, { loss: '1.0000', acc: '50.00%', 'img/s': '16' });
  }
  p.stop();
  p.start('eval test', 1000, { transient: true });
  p.update(500, { 'img/s': '1000' });
  p.stop();
  p.log('epoch 1/1: done');
  const lines = stream.written.trimEnd().split('\n');
  assert.equal(lines.length, 11, stream.written);
  assert.equal(lines[0], 'epoch 1/1 4/40 10% | loss 1.0000 | acc 50.00% | img/s 16 | ETA 18s');
  assert.equal(lines[9], 'epoch 1/1 40/40 100% | loss 1.0000 | acc 50.00% | img/s 16 | ETA 0s');
  assert.equal(lines[10], 'epoch 1/1: done');
  assert.ok(!stream.written.includes('\x1b') && !stream.written.includes('eval'), stream.written);

  const quiet = fakeStream(false);
  const q = makeProgress({ stream: quiet, quiet: true });
  q.start('epoch 1/1', 2);
  q.update(1, {});
  q.log('x');
  q.stop();
  assert.equal(quiet.written, '');
});

test('on a terminal of 60 columns: every frame fits, the evaluation bar is cleared when it stops', () => {
  const stream = fakeStream(true, 60);
  const p = makeProgress({ stream });
  p.start('epoch 1/2', 100);
  for (let done = 1; done <= 100; done++) p.update(done, { loss: '0.1234', acc: '97.00%', 'img/s': '1200' });
  p.stop();
  p.start('eval test', 10000, { transient: true });
  p.update(3000, { 'img/s': '2000' });
  p.stop();
  const frames = terminalFrames(stream.written);
  assert.ok(frames.length >= 2, stream.written);
  for (const f of frames) assert.ok(f.columns <= 60, `${f.columns} columns: ${f.text}`);
  assert.ok(frames.some((f) => /^epoch 1\/2 \[█+\] 100\/100 100% \| acc 97\.00% \| ETA 0s$/.test(f.text)));
  assert.ok(frames.some((f) => f.text.startsWith('eval test [')));
  // the evaluation's line is erased at the end (ESC [2K), the cursor shown and auto-wrap back on
  assert.ok(stream.written.endsWith('\x1b[?25h\x1b[?7h\x1b8\x1b[1G\x1b[2K'), JSON.stringify(stream.written.slice(-40)));
});
