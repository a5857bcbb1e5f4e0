import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { c as tarCreate } from 'tar';
import { loadCifar } from '../../src/data/cifar.js';
import { ensureCifar } from '../../src/data/cifarDownload.js';
import { download, type Remote, sourceUrl } from '../../src/data/download.js';
import { DvsCifar10 } from '../../src/data/dvsCifar10.js';
import { ensureDvsCifar10 } from '../../src/data/dvsDownload.js';
import { extractTarGz, extractZipFlat } from '../../src/data/extract.js';
import { aedatBytes, cifarBytes, cifarImage, put, rejectsAsync, tempDir, zipBytes } from '../support/data.fixtures.js';

const digest = (algo: string, b: Uint8Array): string => createHash(algo).update(b).digest('hex');
const payload = Uint8Array.from({ length: 200_000 }, (_, i) => (i * 7919) % 251);

/** Per path: the bytes served, and how many upcoming requests to cut off halfway through the body. */
const files = new Map<string, Uint8Array>();
const dropNext = new Map<string, number>();
const log: { path: string; range: string | undefined }[] = [];
let server: Server;
let base = '';

before(async () => {
  server = createServer((req, res) => {
    const path = new URL(req.url!, 'http://x').pathname;
    log.push({ path, range: req.headers.range });
    const body = files.get(path);
    if (body === undefined) {
      res.writeHead(404).end();
      return;
    }
    let start = 0;
    const m = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    if (m !== null) {
      start = Number(m[1]);
      if (start >= body.length) {
        res.writeHead(416, { 'content-range': `bytes */${body.length}` }).end();
        return;
      }
      res.writeHead(206, {
        'content-range': `bytes ${start}-${body.length - 1}/${body.length}`,
        'content-length': body.length - start,
      });
    } else {
      res.writeHead(200, { 'content-length': body.length });
    }
    const rest = body.subarray(start);
    const drops = dropNext.get(path) ?? 0;
    if (drops > 0) {
      dropNext.set(path, drops - 1);
      res.write(rest.subarray(0, rest.length >> 1), () => res.socket!.end()); // the connection closes mid-body
      return;
    }
    res.end(rest);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  files.set('/data/set.bin', payload);
});

after(() => {
  server.closeAllConnections();
  server.close();
});

const remote = (): Remote => ({ url: `${base}/data/set.bin`, sha256: digest('sha256', payload), size: payload.length });
const requestsSince = (n: number) => log.slice(n);

test('download: verified file in the cache, no .part left; a second call uses the cache', async () => {
  const cache = tempDir('dl');
  const n = log.length;
  const path = await download(remote(), { cacheDir: cache });
  assert.equal(path, join(cache, 'set.bin'));
  assert.deepEqual(new Uint8Array(readFileSync(path)), payload);
  assert.equal(existsSync(`${path}.part`), false);
  await download(remote(), { cacheDir: cache });
  assert.equal(requestsSince(n).length, 1, 'cached file reused');
  // MD5 is accepted where only that is published
  const md5Path = await download(
    { url: remote().url, md5: digest('md5', payload), fileName: 'm.bin' },
    { cacheDir: cache },
  );
  assert.deepEqual(new Uint8Array(readFileSync(md5Path)), payload);
});

test('a dropped connection is resumed with a Range request, within one call', async () => {
  const cache = tempDir('dl-resume');
  dropNext.set('/data/set.bin', 1);
  const n = log.length;
  const path = await download(remote(), { cacheDir: cache });
  assert.deepEqual(new Uint8Array(readFileSync(path)), payload);
  const reqs = requestsSince(n);
  assert.equal(reqs.length, 2);
  assert.equal(reqs[0]!.range, undefined);
  assert.equal(reqs[1]!.range, `bytes=${payload.length >> 1}-`);
});

test('with no retries left the .part stays, and the next call resumes it', async () => {
  const cache = tempDir('dl-next');
  dropNext.set('/data/set.bin', 1);
  await rejectsAsync(download(remote(), { cacheDir: cache, retries: 0 }), 'E_DOWNLOAD', 'run again to resume');
  const part = join(cache, 'set.bin.part');
  assert.equal(readFileSync(part).length, payload.length >> 1);
  assert.equal(existsSync(join(cache, 'set.bin')), false, 'a half-written file is never in place');
  const n = log.length;
  const path = await download(remote(), { cacheDir: cache, retries: 0 });
  assert.deepEqual(new Uint8Array(readFileSync(path)), payload);
  assert.equal(requestsSince(n)[0]!.range, `bytes=${payload.length >> 1}-`);
  assert.equal(existsSync(part), false);
});

test('wrong bytes are refused and deleted; a bad cached file is fetched again', async () => {
  const cache = tempDir('dl-bad');
  const wrong = payload.slice();
  wrong[1234]! ^= 1;
  files.set('/data/wrong.bin', wrong);
  const e = await rejectsAsync(
    download({ ...remote(), url: `${base}/data/wrong.bin`, fileName: 'set.bin' }, { cacheDir: cache }),
    'E_CHECKSUM',
    'the download was deleted',
  );
  assert.match(e.message, new RegExp(`SHA256 is ${digest('sha256', wrong)}, expected ${remote().sha256}`));
  assert.equal(existsSync(join(cache, 'set.bin')), false);
  assert.equal(existsSync(join(cache, 'set.bin.part')), false);
  writeFileSync(join(cache, 'set.bin'), wrong);
  const path = await download(remote(), { cacheDir: cache });
  assert.deepEqual(new Uint8Array(readFileSync(path)), payload);
});

test('mirror override (option and SPIKEREP_MIRROR), URL override, HTTP errors, missing digest', async () => {
  files.set('/mirror/set.bin', payload);
  const far: Remote = { ...remote(), url: 'http://192.0.2.1/unreachable/set.bin' };
  const n = log.length;
  await download(far, { cacheDir: tempDir('dl-m1'), mirror: `${base}/mirror/` });
  process.env['SPIKEREP_MIRROR'] = `${base}/mirror`;
  try {
    assert.equal(sourceUrl(far), `${base}/mirror/set.bin`);
    await download(far, { cacheDir: tempDir('dl-m2') });
  } finally {
    delete process.env['SPIKEREP_MIRROR'];
  }
  await download(far, { cacheDir: tempDir('dl-m3'), url: `${base}/data/set.bin` });
  assert.deepEqual(
    requestsSince(n).map((r) => r.path),
    ['/mirror/set.bin', '/mirror/set.bin', '/data/set.bin'],
  );
  await rejectsAsync(
    download({ ...remote(), url: `${base}/nothing.bin` }, { cacheDir: tempDir('dl-404') }),
    'E_DOWNLOAD',
    'HTTP 404',
  );
  await rejectsAsync(
    download({ url: `${base}/data/set.bin` }, { cacheDir: tempDir('dl-nod') }),
    'E_ARG',
    'expected SHA-256 or MD5',
  );
});

test('tar.gz extraction, end to end with CIFAR-10 from a local mirror; damaged archives refused', async () => {
  const src = tempDir('tar-src');
  const dir = join(src, 'cifar-10-batches-bin');
  const rec = (l: number) => cifarBytes([{ labels: [l], hwc: cifarImage(l) }]);
  for (let b = 1; b <= 5; b++) put(join(dir, `data_batch_${b}.bin`), rec(b));
  put(join(dir, 'test_batch.bin'), rec(7));
  const archive = join(src, 'cifar-10-binary.tar.gz');
  await tarCreate({ gzip: true, file: archive, cwd: src }, ['cifar-10-batches-bin']);
  const bytes = new Uint8Array(readFileSync(archive));
  files.set('/m/cifar-10-binary.tar.gz', bytes);
  const cache = tempDir('tar-cache');
  const got = await download(
    { url: `${base}/m/cifar-10-binary.tar.gz`, md5: digest('md5', bytes) },
    { cacheDir: cache },
  );
  const folder = await extractTarGz(got, cache, 'cifar-10-batches-bin');
  const ds = loadCifar('cifar10', 'train', { dataDir: cache });
  assert.equal(folder, join(cache, 'cifar-10-batches-bin'));
  assert.deepEqual(
    Array.from({ length: 5 }, (_, i) => ds.label(i)),
    [1, 2, 3, 4, 5],
  );
  // our fixture is not the real archive, so the published MD5 refuses it
  await rejectsAsync(
    ensureCifar('cifar10', { cacheDir: tempDir('tar-real'), mirror: `${base}/m` }),
    'E_CHECKSUM',
    'expected c32a1d4ab5d03f1284b67883e8d87530',
  );
  const cut = put(join(src, 'cut.tar.gz'), bytes.subarray(0, bytes.length >> 1));
  await rejectsAsync(extractTarGz(cut, tempDir('tar-cut'), 'cifar-10-batches-bin'), 'E_FORMAT', 'cannot extract');
  await rejectsAsync(
    extractTarGz(archive, tempDir('tar-top'), 'cifar-100-binary'),
    'E_FORMAT',
    'no top folder cifar-100-binary/',
  );
  const notTar = put(join(src, 'plain.tar.gz'), gzipSync(Buffer.from('hello')));
  await rejectsAsync(extractTarGz(notTar, tempDir('tar-plain'), 'x'), 'E_FORMAT', /cannot extract|no top folder/);
});

test('CIFAR10-DVS class zips: .aedat entries unpacked flat under the class folder; damage refused', async () => {
  const ev = (k: number) =>
    aedatBytes([
      { x: k, y: 2 * k, pol: k & 1, t: k },
      { x: 1, y: 1, pol: 0, t: k + 1 },
    ]);
  const cache = tempDir('zip');
  const root = join(cache, 'cifar10-dvs');
  const classes = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'];
  for (const [c, cls] of classes.entries()) {
    const entries = [0, 1].map((i) => ({ name: `${cls}/cifar10_${cls}_${i}.aedat`, data: ev(10 * c + i) }));
    entries.push(
      { name: `${cls}/readme.txt`, data: new Uint8Array([1]) },
      { name: `${cls}/`, data: new Uint8Array(0) },
    );
    const bytes = zipBytes(entries, c % 2 === 0);
    files.set(`/dvs/${cls}.zip`, bytes);
    const zip = await download({ url: `${base}/dvs/${cls}.zip`, md5: digest('md5', bytes) }, { cacheDir: cache });
    const pattern = new RegExp(`^cifar10_${cls}_\\d+\\.aedat$`);
    assert.equal(await extractZipFlat(zip, root, cls, (n) => pattern.test(n)), 2);
  }
  assert.deepEqual(new Uint8Array(readFileSync(join(root, 'dog', 'cifar10_dog_1.aedat'))), ev(51));
  assert.equal(existsSync(join(root, 'dog', 'readme.txt')), false);
  const ds = new DvsCifar10('test', { dataDir: root, T: 2, filesPerClass: 2, trainPerClass: 1 });
  assert.deepEqual([ds.length, ds.label(5)], [10, 5]);
  // the published MD5 refuses our fixture zips, fetched from the mirror under their class names
  const n = log.length;
  await rejectsAsync(
    ensureDvsCifar10({ cacheDir: tempDir('zip-real'), mirror: `${base}/dvs` }),
    'E_CHECKSUM',
    'expected 0afd5c4bf9ae06af762a77b180354fdd',
  );
  assert.equal(log[n]!.path, '/dvs/airplane.zip');
  const whole = files.get('/dvs/cat.zip')!;
  const cut = put(join(cache, 'cut.zip'), whole.subarray(0, whole.length - 30));
  await rejectsAsync(
    extractZipFlat(cut, tempDir('zip-cut'), 'cat', () => true),
    'E_FORMAT',
    'cannot extract .zip',
  );
  const empty = put(join(cache, 'none.zip'), zipBytes([{ name: 'x.txt', data: new Uint8Array([1]) }]));
  await rejectsAsync(
    extractZipFlat(empty, tempDir('zip-none'), 'cat', (n) => n.endsWith('.aedat')),
    'E_FORMAT',
    'no expected files',
  );
});
