/**
 * The write path every file takes: atomic replacement (a failed write leaves the previous file byte for byte and no
 * temporary file), temporary files of dead writers removed, outputs that are inputs recognised through `..`,
 * symbolic and hard links, and the folder lock (one holder, stale locks taken over, release only its own).
 */

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  linkSync,
  lstatSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { hostname } from 'node:os';
import { basename, join } from 'node:path';
import { test } from 'node:test';
import { injectFaults } from '../../scripts/fs-faults.js';
import { SpikerepError } from '../../src/errors.js';
import { removeStaleTemps, tempPathFor, writeFileAtomic, writeFileAtomicWith } from '../../src/io/atomic-write.js';
import { LOCK_FILE, lockFolder } from '../../src/io/folder-lock.js';
import { refuseWritingInput, sameFile } from '../../src/io/same-file.js';
import { tempDir } from '../support/data.fixtures.js';

const dir = tempDir('atomic');
const temps = (d: string): string[] => readdirSync(d).filter((f) => f.endsWith('.tmp'));
/** A PID that no process has any more: a child that has exited. */
const deadPid = (): number =>
  Number(spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString());

function refused(fn: () => unknown, code: string, said: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof SpikerepError, String(e));
    assert.equal(e.code, code);
    assert.ok(!e.message.includes('\n'), 'one line');
    assert.match(e.message, said);
    return true;
  });
}

test('writeFileAtomic writes, replaces, and makes the folder; parts are written back to back', () => {
  const path = join(dir, 'sub', 'a.json');
  writeFileAtomic(path, 'one', { what: 'the result file' });
  assert.equal(readFileSync(path, 'utf8'), 'one');
  writeFileAtomic(path, [Buffer.from('tw'), new Uint8Array([0x6f])], { what: 'the result file' });
  assert.equal(readFileSync(path, 'utf8'), 'two');
  assert.deepEqual(temps(join(dir, 'sub')), []);
});

test('a full or read-only disk mid-write: one line saying why and what was kept, old file intact, no temp file', () => {
  const path = join(dir, 'keep.json');
  writeFileAtomic(path, 'old', { what: 'the result file' });
  for (const [fault, why] of [
    ['enospc', /the disk is full/],
    ['erofs', /the folder is not writable/],
  ] as const) {
    const restore = injectFaults({ fault, files: /\.keep\.json\.\d+\.tmp$/ });
    try {
      refused(() => writeFileAtomic(path, 'new', { what: 'the result file' }), 'E_IO', why);
      refused(
        () => writeFileAtomic(path, 'new', { what: 'the result file' }),
        'E_IO',
        /^.*keep\.json: cannot write the result file \(.*\); the previous file is unchanged$/,
      );
      refused(
        () => writeFileAtomic(path, 'new', { what: 'the result file', kept: 'the result above was printed' }),
        'E_IO',
        /; the result above was printed$/,
      );
      refused(() => writeFileAtomic(join(dir, 'fresh.json'), 'x', { what: 'the result file' }), 'E_IO', /./);
    } finally {
      restore();
    }
    assert.equal(readFileSync(path, 'utf8'), 'old');
    assert.deepEqual(temps(dir), []);
  }
  // a new file that fails says nothing was written (only files named like keep.json fail above; this one is new)
  const restore = injectFaults({ fault: 'enospc', files: /\.new\.json\.\d+\.tmp$/ });
  try {
    refused(
      () => writeFileAtomic(join(dir, 'new.json'), 'x', { what: 'the result file' }),
      'E_IO',
      /nothing was written$/,
    );
  } finally {
    restore();
  }
  assert.deepEqual(temps(dir), []);
});

test('writeFileAtomicWith: the writer gets a temporary path; a writer that throws leaves the old file and no temp', async () => {
  const path = join(dir, 'model.nir');
  await writeFileAtomicWith(path, (tmp) => writeFileSync(tmp, 'v1'), { what: 'the NIR file' });
  assert.equal(readFileSync(path, 'utf8'), 'v1');
  await assert.rejects(
    writeFileAtomicWith(
      path,
      (tmp) => {
        assert.equal(basename(tmp), basename(tempPathFor(path)));
        writeFileSync(tmp, 'half');
        throw Object.assign(new Error('boom'), { code: 'ENOSPC' });
      },
      { what: 'the NIR file' },
    ),
    /model\.nir: cannot write the NIR file \(the disk is full\); the previous file is unchanged/,
  );
  assert.equal(readFileSync(path, 'utf8'), 'v1');
  assert.deepEqual(temps(dir), []);
});

test('a symbolic link is written through: it keeps pointing at the new contents', () => {
  const real = join(dir, 'real.json');
  writeFileAtomic(real, 'old', { what: 'the result file' });
  const link = join(dir, 'latest.json');
  symlinkSync(real, link);
  writeFileAtomic(link, 'new', { what: 'the result file' });
  assert.ok(lstatSync(link).isSymbolicLink());
  assert.equal(readFileSync(real, 'utf8'), 'new');
});

test('temporary files of dead writers are removed before the next write; a live writer’s are kept', () => {
  const d = tempDir('atomic-stale');
  const dead = deadPid();
  writeFileSync(join(d, `.model.nir.${dead}.tmp`), 'half');
  writeFileSync(join(d, `.other.json.${dead}.tmp`), 'half');
  // the parent process (the test runner) runs: its file may be a write in progress
  writeFileSync(join(d, `.model.nir.${process.ppid}.tmp`), 'theirs');
  writeFileAtomic(join(d, 'model.nir'), 'whole', { what: 'the NIR file' });
  assert.deepEqual(temps(d).sort(), [`.model.nir.${process.ppid}.tmp`, `.other.json.${dead}.tmp`].sort());
  assert.deepEqual(removeStaleTemps(d), [`.other.json.${dead}.tmp`]);
  rmSync(d, { recursive: true });
});

test('an output that is an input is recognised through .., symbolic links and hard links', () => {
  const input = join(dir, 'in.ckpt');
  writeFileSync(input, 'weights');
  symlinkSync(input, join(dir, 'link.ckpt'));
  linkSync(input, join(dir, 'hard.ckpt'));
  assert.ok(sameFile(join(dir, 'sub', '..', 'in.ckpt'), input));
  assert.ok(sameFile(join(dir, 'link.ckpt'), input));
  assert.ok(sameFile(join(dir, 'hard.ckpt'), input));
  assert.ok(!sameFile(join(dir, 'in.nir'), input));
  assert.ok(!sameFile(join(dir, 'missing', 'deeper', 'x'), input));
  refused(
    () => refuseWritingInput('out', join(dir, 'link.ckpt'), { 'the `checkpoint` it exports': input }),
    'E_ARG',
    /^out: .*link\.ckpt is also the `checkpoint` it exports: writing there would destroy it; choose another file$/,
  );
  refuseWritingInput('out', join(dir, 'model.nir'), { 'the `checkpoint` it exports': input, unused: undefined });
  refuseWritingInput('out', undefined, { 'the `checkpoint` it exports': input });
});

test('the folder lock: one holder; the second is refused naming the first; released, it can be taken again', () => {
  const d = tempDir('lock');
  const lock = lockFolder(d, 'checkpointDir');
  const held = JSON.parse(readFileSync(join(d, LOCK_FILE), 'utf8')) as { pid: number; host: string };
  assert.equal(held.pid, process.pid);
  assert.equal(held.host, hostname());
  refused(() => lockFolder(d, 'checkpointDir'), 'E_IO', new RegExp(`in use by process ${process.pid}, started `));
  lock.release();
  lock.release(); // twice is harmless
  assert.deepEqual(readdirSync(d), []);
  lockFolder(d).release();
  rmSync(d, { recursive: true });
});

test('stale locks are taken over: a dead owner, a reused PID, an unreadable old file; a fresh unreadable one is not', () => {
  const d = tempDir('lock-stale');
  const path = join(d, LOCK_FILE);
  const owner = { host: hostname(), started: '2020-01-01T00:00:00.000Z' };
  for (const text of [
    JSON.stringify({ ...owner, pid: deadPid(), startTick: null }),
    // this process's PID, but recorded as started at another tick: the PID now belongs to someone else
    JSON.stringify({ ...owner, pid: process.pid, startTick: -1 }),
    'half a lo',
  ]) {
    writeFileSync(path, text);
    utimesSync(path, new Date(0), new Date(0));
    const lock = lockFolder(d);
    assert.equal((JSON.parse(readFileSync(path, 'utf8')) as { pid: number }).pid, process.pid, text);
    lock.release();
  }
  writeFileSync(path, '');
  refused(() => lockFolder(d), 'E_IO', /in use by another process \(its lock file is being written\)/);
  // a lock of another machine cannot be checked from here: it holds
  writeFileSync(path, JSON.stringify({ ...owner, host: 'elsewhere', pid: deadPid(), startTick: null }));
  refused(() => lockFolder(d), 'E_IO', / on elsewhere, started 2020/);
  rmSync(d, { recursive: true });
});

test('release removes only its own lock: a lock another process took over since is left alone', () => {
  const d = tempDir('lock-own');
  const lock = lockFolder(d);
  const theirs = JSON.stringify({ pid: process.pid, host: hostname(), started: 'later', startTick: null });
  writeFileSync(join(d, LOCK_FILE), theirs);
  lock.release();
  assert.equal(readFileSync(join(d, LOCK_FILE), 'utf8'), theirs);
  rmSync(d, { recursive: true });
});

test.after(() => rmSync(dir, { recursive: true, force: true }));
