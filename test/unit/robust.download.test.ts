/**
 * Downloads, the cases test/data.download.test.ts leaves out: a .part is discarded (never appended to) when the
 * server ignores the Range request or answers another range, or when it is larger than the file; a server that
 * always drops the connection ends in one line with nothing in place; a resumed file whose bytes are wrong is
 * deleted, and the next call starts afresh. All against a local 127.0.0.1 server.
 */

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { download, type Remote } from '../../src/data/download.js';
import { rejectsAsync, tempDir } from '../support/data.fixtures.js';

const payload = Uint8Array.from({ length: 120_000 }, (_, i) => (i * 31 + (i >> 8)) % 256);
const sha = createHash('sha256').update(payload).digest('hex');
/** What the server does for each path. */
type Mode = 'ignore-range' | 'wrong-range' | 'drop-always' | 'normal';
const modes = new Map<string, { mode: Mode; body: Uint8Array }>();
const ranges: (string | undefined)[] = [];
let server: Server;
let base = '';

before(async () => {
  server = createServer((req, res) => {
    const path = new URL(req.url!, 'http://x').pathname;
    const entry = modes.get(path);
    if (entry === undefined) return void res.writeHead(404).end();
    ranges.push(req.headers.range);
    const { mode, body } = entry;
    const m = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    if (m !== null && mode === 'wrong-range') {
      const start = Math.max(0, Number(m[1]) - 1000); // a range that does not start where asked
      res.writeHead(206, {
        'content-range': `bytes ${start}-${body.length - 1}/${body.length}`,
        'content-length': body.length - start,
      });
      return void res.end(body.subarray(start));
    }
    if (m !== null && mode === 'normal') {
      const start = Number(m[1]);
      res.writeHead(206, {
        'content-range': `bytes ${start}-${body.length - 1}/${body.length}`,
        'content-length': body.length - start,
      });
      return void res.end(body.subarray(start));
    }
    res.writeHead(200, { 'content-length': body.length });
    if (mode === 'drop-always') return void res.write(body.subarray(0, body.length >> 2), () => res.socket!.end());
    res.end(body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(() => {
  server.closeAllConnections();
  server.close();
});

const remote = (path: string, mode: Mode, body = payload): Remote => {
  modes.set(path, { mode, body });
  return { url: `${base}${path}`, sha256: sha, size: payload.length, fileName: 'set.bin' };
};
const junk = (n: number): Uint8Array => new Uint8Array(n).fill(0xee);

test('a server that ignores Range (200, whole body): the stale .part is overwritten, not appended to', async () => {
  const cache = tempDir('rdl-ignore');
  writeFileSync(join(cache, 'set.bin.part'), junk(5000));
  const path = await download(remote('/ignore.bin', 'ignore-range'), { cacheDir: cache });
  assert.deepEqual(new Uint8Array(readFileSync(path)), payload);
  assert.equal(existsSync(join(cache, 'set.bin.part')), false);
});

test('a 206 for another range than asked: the .part is discarded and fetched again from the start', async () => {
  const cache = tempDir('rdl-wrong');
  writeFileSync(join(cache, 'set.bin.part'), payload.subarray(0, 50_000));
  const n = ranges.length;
  const path = await download(remote('/wrong-range.bin', 'wrong-range'), { cacheDir: cache });
  assert.deepEqual(new Uint8Array(readFileSync(path)), payload);
  assert.deepEqual(ranges.slice(n), ['bytes=50000-', undefined], 'resume asked, refused range, then a fresh request');
});

test('a .part larger than the file is discarded, never trusted', async () => {
  const cache = tempDir('rdl-big');
  writeFileSync(join(cache, 'set.bin.part'), junk(payload.length + 10));
  const n = ranges.length;
  const path = await download(remote('/normal.bin', 'normal'), { cacheDir: cache });
  assert.deepEqual(new Uint8Array(readFileSync(path)), payload);
  assert.deepEqual(ranges.slice(n), [undefined]);
});

test('a server that always drops the connection: one line after the retries, nothing in place', async () => {
  const cache = tempDir('rdl-drop');
  const e = await rejectsAsync(
    download(remote('/drop.bin', 'drop-always'), { cacheDir: cache, retries: 2 }),
    'E_DOWNLOAD',
    /connection dropped after \d+ bytes .*; run again to resume/,
  );
  assert.ok(!e.message.includes('\n'));
  assert.equal(existsSync(join(cache, 'set.bin')), false, 'a partial file is never in place');
});

test('a resumed download whose bytes are wrong is deleted; the next call starts afresh and succeeds', async () => {
  const cache = tempDir('rdl-mixed');
  writeFileSync(join(cache, 'set.bin.part'), junk(40_000)); // left by an earlier, different file
  await rejectsAsync(
    download(remote('/mixed.bin', 'normal'), { cacheDir: cache }),
    'E_CHECKSUM',
    'the download was deleted',
  );
  assert.equal(existsSync(join(cache, 'set.bin.part')), false);
  assert.equal(existsSync(join(cache, 'set.bin')), false);
  const path = await download(remote('/mixed.bin', 'normal'), { cacheDir: cache });
  assert.deepEqual(new Uint8Array(readFileSync(path)), payload);
});
