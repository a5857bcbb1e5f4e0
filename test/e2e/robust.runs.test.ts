/**
 * A trained model is never lost through the CLI: a checkpoint folder holds one run (a second `train` into it is
 * refused unless --resume or --overwrite says which; --resume needs a run to continue), two runs on one folder
 * cannot overlap (the second refuses at once, naming the first's PID; a dead owner's lock is taken over; Ctrl-C
 * removes the lock), Ctrl-C during `export` leaves the previous NIR file whole, an output naming the command's own
 * input is refused, and a result file that cannot be written still leaves the printed result.
 */

import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { LOCK_FILE } from '../../src/io/folder-lock.js';
import { loadCheckpoint } from '../../src/train/checkpoint.js';
import type { RunMeta } from '../../src/train/state.js';
import { cliArgs } from '../support/cli.command.js';
import { tempDir } from '../support/data.fixtures.js';
import { fixtureCheckpoint } from '../support/serve.fixture.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const FAULTS = fileURLToPath(new URL('../../scripts/fs-faults.ts', import.meta.url));

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  out: string;
  err: string;
}

function start(args: string[], env: Record<string, string> = {}): { child: ChildProcess; done: Promise<Run> } {
  const child = spawn(process.execPath, cliArgs(args, ['tsx', FAULTS]), {
    cwd: ROOT,
    env: { ...process.env, SPIKEREP_DEBUG: '', ...env },
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const done = new Promise<Run>((resolve) => child.on('close', (code, signal) => resolve({ code, signal, out, err })));
  return { child, done };
}

const cli = (args: string[], env: Record<string, string> = {}): Promise<Run> => start(args, env).done;

/** Exactly one "spikerep: …" line matching `expected`, exit 1, no stack trace. */
function oneLine(r: Run, expected: RegExp): void {
  assert.equal(r.code, 1, `exit code (stderr: ${r.err})`);
  const lines = r.err.trim().split('\n');
  assert.equal(lines.length, 1, `one line, got:\n${r.err}`);
  assert.match(lines[0]!, /^spikerep: /);
  assert.match(lines[0]!, expected);
  assert.doesNotMatch(r.err, /\n\s+at |internal error/);
}

async function until(ok: () => boolean, what: string, ms = 30_000): Promise<void> {
  const t0 = Date.now();
  while (!ok()) {
    if (Date.now() - t0 > ms) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const seedOf = (path: string): number => loadCheckpoint<RunMeta>(path).meta.config.seed;
const tmp = tempDir('runs');
const small = ['train', '--train-limit', '32', '--test-limit', '16', '--batch-size', '16', '--T', '1'];
const quick = [...small, '--threads', '1', '--quiet'];
/** Long enough (several seconds, a checkpoint per epoch) for a second process to meet it running. */
const long = ['train', '--train-limit', '512', '--test-limit', '16', '--batch-size', '16', '--T', '2'];
const slow = [...long, '--epochs', '3', '--threads', '1', '--quiet'];

test('a folder holding a run: train again is refused and changes nothing; --overwrite replaces it; --resume continues it', async () => {
  const dir = join(tmp, 'used');
  assert.equal((await cli([...quick, '--checkpoint', dir, '--seed', '1'])).code, 0);
  const best = readFileSync(join(dir, 'best.ckpt'));
  oneLine(
    await cli([...quick, '--checkpoint', dir, '--seed', '2']),
    /^spikerep: --checkpoint: .*used already holds a run \(last\.ckpt, best\.ckpt\): add --resume to continue it or --overwrite to replace it/,
  );
  assert.deepEqual(readFileSync(join(dir, 'best.ckpt')), best, 'best.ckpt untouched');
  assert.ok(!existsSync(join(dir, LOCK_FILE)), 'the refused run left no lock');
  oneLine(await cli([...quick, '--checkpoint', dir, '--resume', '--overwrite']), /--overwrite and --resume exclude/);
  const r = await cli([...quick, '--checkpoint', dir, '--seed', '2', '--overwrite']);
  assert.equal(r.code, 0, r.err);
  assert.equal(seedOf(join(dir, 'best.ckpt')), 2, 'best.ckpt now holds the new run');
  assert.equal(seedOf(join(dir, 'last.ckpt')), 2);
  const resumed = await cli([...quick, '--checkpoint', dir, '--seed', '2', '--epochs', '2', '--resume']);
  assert.equal(resumed.code, 0, resumed.err);
  assert.equal(loadCheckpoint<RunMeta>(join(dir, 'last.ckpt')).meta.run.epoch, 2);
  assert.deepEqual(readdirSync(dir).sort(), ['best.ckpt', 'last.ckpt']);
});

test('--resume without a run to continue is refused and creates nothing: a mistyped folder, a folder without last.ckpt', async () => {
  const missing = join(tmp, 'mistyped');
  oneLine(
    await cli([...quick, '--checkpoint', missing, '--resume']),
    /^spikerep: --checkpoint: .*mistyped: no such folder, so no run to resume \(drop --resume to start one\)$/,
  );
  assert.ok(!existsSync(missing), 'no folder made');
  const dir = join(tmp, 'best-only');
  assert.equal((await cli([...quick, '--checkpoint', dir])).code, 0);
  const best = readFileSync(join(dir, 'best.ckpt'));
  rmSync(join(dir, 'last.ckpt'));
  oneLine(
    await cli([...quick, '--checkpoint', dir, '--resume']),
    /best-only has no last\.ckpt, so no run to resume \(drop --resume to start one, with --overwrite to replace its best\.ckpt\)$/,
  );
  assert.deepEqual(readFileSync(join(dir, 'best.ckpt')), best);
  oneLine(
    await cli([...quick, '--checkpoint', join(dir, 'best.ckpt'), '--resume']),
    /best\.ckpt is a file, not a checkpoint folder \(its folder: .*best-only\)$/,
  );
});

test('two runs on one folder: the second refuses at once naming the first; best.ckpt holds the first run’s model', async () => {
  const dir = join(tmp, 'twice');
  const first = start([...slow, '--checkpoint', dir, '--seed', '1']);
  await until(() => existsSync(join(dir, LOCK_FILE)), 'the first run’s lock');
  const t0 = performance.now();
  const second = await cli([...slow, '--checkpoint', dir, '--seed', '2']);
  const seconds = (performance.now() - t0) / 1000;
  oneLine(second, new RegExp(`twice is in use by process ${first.child.pid}, started .*; wait for it to finish`));
  const a = await first.done;
  assert.equal(a.code, 0, a.err);
  assert.ok(seconds < 10, `refused at once (start-up included), not after training: ${seconds.toFixed(1)} s`);
  assert.equal(seedOf(join(dir, 'best.ckpt')), 1, 'best.ckpt is the first run’s model');
  assert.equal(seedOf(join(dir, 'last.ckpt')), 1);
  assert.ok(!existsSync(join(dir, LOCK_FILE)), 'the lock is removed at the end');
});

test('a lock left by a killed run (its PID no longer runs) is taken over; Ctrl-C and SIGTERM remove the lock, during an evaluation too', async () => {
  const dir = join(tmp, 'stale');
  const dead = Number(spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout);
  mkdirSync(dir);
  writeFileSync(
    join(dir, LOCK_FILE),
    JSON.stringify({ pid: dead, host: hostname(), started: '2020-01-01T00:00:00.000Z', startTick: null }),
  );
  const r = await cli([...quick, '--checkpoint', dir]);
  assert.equal(r.code, 0, r.err);
  assert.deepEqual(readdirSync(dir).sort(), ['best.ckpt', 'last.ckpt']);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    const d = join(tmp, `signal-${signal}`);
    const run = start([...slow, '--checkpoint', d]);
    await until(() => existsSync(join(d, LOCK_FILE)), 'the lock');
    await new Promise((r) => setTimeout(r, 300)); // into the training loop
    run.child.kill(signal);
    const k = await run.done;
    assert.equal(k.signal, signal, `ended by ${signal} (exit ${k.code}: ${k.err})`);
    assert.ok(!existsSync(join(d, LOCK_FILE)), `${signal} removed the lock`);
  }
  // Ctrl-C during a long evaluation (10 000 test images) ends the run there, not after it
  const d = join(tmp, 'signal-eval');
  const run = start([
    'train',
    '--train-limit',
    '16',
    '--batch-size',
    '16',
    '--threads',
    '1',
    '--quiet',
    '--checkpoint',
    d,
  ]);
  await until(() => existsSync(join(d, LOCK_FILE)), 'the lock');
  await new Promise((r) => setTimeout(r, 1500));
  run.child.kill('SIGINT');
  const k = await run.done;
  assert.equal(k.signal, 'SIGINT', `ended by SIGINT, not run to its end (exit ${k.code}: ${k.out}${k.err})`);
  assert.equal(k.out, '', 'no result: it stopped');
  assert.ok(!existsSync(join(d, LOCK_FILE)));
});

const exportDir = tempDir('runs-export');
const { path: ckpt } = fixtureCheckpoint(join(exportDir, 'ck'), 'if');

test('Ctrl-C in the middle of export --out: the previous model.nir is unchanged and still imports', async () => {
  const nir = join(exportDir, 'model.nir');
  assert.equal((await cli(['export', '--checkpoint', ckpt, '--format', 'nir', '--out', nir])).code, 0);
  const before = readFileSync(nir);
  const mark = join(exportDir, 'mark');
  // the export stops after the first bytes of its temporary file; SIGINT arrives right there
  const run = start(['export', '--checkpoint', ckpt, '--format', 'nir', '--out', nir, '--dt', '0.5'], {
    SPIKEREP_FAULT: 'pause',
    SPIKEREP_FAULT_FILES: '\\.model\\.nir\\.\\d+\\.tmp$',
    SPIKEREP_FAULT_MARK: mark,
    SPIKEREP_FAULT_MS: '20000',
  });
  await until(() => existsSync(mark), 'the export to reach its write');
  run.child.kill('SIGINT');
  const r = await run.done;
  assert.equal(r.signal, 'SIGINT');
  assert.ok(
    readdirSync(exportDir).some((f) => f.startsWith('.model.nir.')),
    'the interrupted write was a temp file',
  );
  assert.deepEqual(readFileSync(nir), before, 'model.nir unchanged');
  const imp = await cli(['import', nir, '--test-limit', '8', '--backend', 'reference']);
  assert.equal(imp.code, 0, imp.err);
  assert.match(imp.out, /imported .*model\.nir/);
  // the next export removes the dead process's temporary file
  assert.equal((await cli(['export', '--checkpoint', ckpt, '--format', 'nir', '--out', nir])).code, 0);
  assert.deepEqual(
    readdirSync(exportDir).filter((f) => f.endsWith('.tmp')),
    [],
  );
});

test('export on a full disk (injected ENOSPC, which HDF5 only reports on stderr): refused, model.nir unchanged', async () => {
  const nir = join(exportDir, 'full.nir');
  assert.equal((await cli(['export', '--checkpoint', ckpt, '--format', 'nir', '--out', nir])).code, 0);
  const before = readFileSync(nir);
  const r = await cli(['export', '--checkpoint', ckpt, '--format', 'nir', '--out', nir, '--dt', '0.5'], {
    SPIKEREP_FAULT: 'enospc',
    SPIKEREP_FAULT_FILES: '\\.full\\.nir\\.\\d+\\.tmp$',
  });
  assert.equal(r.code, 1, r.err);
  assert.equal(r.out, '', 'no "wrote" line');
  // the library's own diagnostics may precede it; spikerep says one line
  const ours = r.err.split('\n').filter((l) => l.startsWith('spikerep: '));
  assert.deepEqual(ours.length, 1, r.err);
  assert.match(
    ours[0]!,
    /full\.nir: cannot write the NIR file \(the written file does not read back: is the disk full\?\); the previous file is unchanged$/,
  );
  assert.doesNotMatch(r.err, /internal error/);
  assert.deepEqual(readFileSync(nir), before);
  assert.deepEqual(
    readdirSync(exportDir).filter((f) => f.startsWith('.full.nir')),
    [],
  );
});

test('an output that is the command’s own input is refused and the input left as it was', async () => {
  const before = readFileSync(ckpt);
  oneLine(
    await cli(['export', '--checkpoint', ckpt, '--format', 'nir', '--out', ckpt]),
    /^spikerep: --out: .*is also the --checkpoint it exports: writing there would destroy it; choose another file$/,
  );
  const link = join(exportDir, 'link.ckpt');
  symlinkSync(ckpt, link);
  oneLine(await cli(['export', '--checkpoint', link, '--format', 'nir', '--out', ckpt]), /is also the --checkpoint/);
  assert.deepEqual(readFileSync(ckpt), before, 'checkpoint unchanged');
  const runJson = join(exportDir, 'run.json');
  writeFileSync(runJson, '{"history": []}');
  oneLine(
    await cli(['report', runJson, '--out', runJson]),
    /^spikerep: --out: .*run\.json is also the run JSON it reads/,
  );
  assert.equal(readFileSync(runJson, 'utf8'), '{"history": []}');
  const dir = join(exportDir, 'ck');
  oneLine(
    await cli([...quick, '--checkpoint', dir, '--resume', '--json', join(dir, 'best.ckpt')]),
    /^spikerep: --json: .*best\.ckpt is also the run’s best\.ckpt/,
  );
  oneLine(
    await cli(['eval', '--checkpoint', ckpt, '--json', ckpt, '--backend', 'reference']),
    /^spikerep: --json: .* is also the --checkpoint it evaluates/,
  );
  assert.deepEqual(readFileSync(ckpt), before, 'checkpoint unchanged');
});

test('--json cannot be written at the end (injected full disk): the accuracy is printed and the line says what was kept', async () => {
  const dir = join(tmp, 'json-full');
  const json = join(tmp, 'result.json');
  writeFileSync(json, 'previous');
  const r = await cli([...quick, '--checkpoint', dir, '--json', json], {
    SPIKEREP_FAULT: 'enospc',
    SPIKEREP_FAULT_FILES: '\\.result\\.json\\.\\d+\\.tmp$',
  });
  assert.match(r.out, /^test accuracy \d+\.\d\d% \| /m, 'the result is printed');
  oneLine(
    r,
    /result\.json: cannot write the result file \(the disk is full\); the result above was printed; best\.ckpt and last\.ckpt in .*json-full are intact$/,
  );
  assert.equal(readFileSync(json, 'utf8'), 'previous');
  assert.equal(loadCheckpoint<RunMeta>(join(dir, 'best.ckpt')).meta.run.epoch, 1);
  assert.deepEqual(
    readdirSync(tmp).filter((f) => f.endsWith('.tmp')),
    [],
  );
});

test.after(() => {
  rmSync(tmp, { recursive: true, force: true });
  rmSync(exportDir, { recursive: true, force: true });
});
