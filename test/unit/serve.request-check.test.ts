/**
 * What the demo server accepts before routing (request-check.ts): methods, targets, percent-encoding, path
 * traversal in its plain and encoded forms, over-long targets, and the Host check against DNS rebinding.
 */

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { allowedHosts, checkRequest, MAX_URL_LENGTH } from '../../src/serve/request-check.js';

const allowed = allowedHosts('127.0.0.1', 8080);
const HOST = '127.0.0.1:8080';

function statusOf(method: string, url: string, host: string | undefined = HOST): number | string {
  const v = checkRequest(method, url, host, allowed);
  return v.ok ? v.path : v.status;
}

test('a loopback server answers to every loopback name with its port, and to nothing else', () => {
  assert.deepEqual([...allowed].sort(), ['127.0.0.1:8080', '[::1]:8080', 'localhost:8080']);
  for (const h of ['127.0.0.1:8080', 'localhost:8080', 'LOCALHOST:8080', '[::1]:8080'])
    assert.equal(statusOf('GET', '/', h), '/', h);
  for (const h of ['evil.example', 'evil.example:8080', '127.0.0.1', '127.0.0.1:8081', 'localhost', '[', 'x:8080'])
    assert.equal(statusOf('GET', '/', h), 421, h);
  assert.equal(checkRequest('GET', '/', undefined, allowed).ok, false);
  assert.equal(statusOf('GET', '/', ''), 400);
});

test('a configured host is allowed as bound; port 80 may come without it; on all interfaces only IP literals', () => {
  assert.deepEqual([...allowedHosts('192.168.1.5', 9000)], ['192.168.1.5:9000']);
  assert.ok(allowedHosts('::1', 80).has('[::1]'));
  assert.ok(allowedHosts('::1', 80).has('localhost'));
  const any = allowedHosts('0.0.0.0', 9000);
  assert.equal(checkRequest('GET', '/', '10.0.0.7:9000', any, true).ok, true);
  assert.equal(checkRequest('GET', '/', '[fe80::1]:9000', any, true).ok, true);
  assert.deepEqual(checkRequest('GET', '/', 'rebound.example:9000', any, true), {
    ok: false,
    status: 421,
    reason: 'this server answers only to its own address',
  });
});

test('only GET and HEAD; other methods get 405', () => {
  assert.equal(statusOf('HEAD', '/model.json'), '/model.json');
  for (const m of ['POST', 'PUT', 'DELETE', 'OPTIONS', 'TRACE', 'CONNECT', 'PATCH', 'get', ''])
    assert.equal(statusOf(m, '/'), 405, m);
  assert.equal(checkRequest(undefined, '/', HOST, allowed).ok, false);
});

test('malformed targets and bad percent-encoding get 400, never an exception', () => {
  for (const url of [
    '//[',
    '/[',
    '*',
    'model.json',
    '/a b',
    '/%',
    '/%zz',
    '/%E0%A4%A',
    '/%C0%AF',
    '/\u00e9',
    '/#x',
    '',
  ])
    assert.equal(statusOf('GET', url), 400, url);
  assert.equal(statusOf('GET', '/%41pp.js'), '/App.js');
  assert.equal(statusOf('GET', '/?q=%41&r=/?'), '/');
  assert.equal(statusOf('GET', '/?q=%zz'), 400);
});

test('the query comes with the path, decoded', () => {
  const v = checkRequest('GET', '/train-data.bin?dataset=mnist&split=train&n=%32', HOST, allowed);
  assert.ok(v.ok);
  assert.equal(v.path, '/train-data.bin');
  assert.deepEqual(
    [...v.query],
    [
      ['dataset', 'mnist'],
      ['split', 'train'],
      ['n', '2'],
    ],
  );
  const none = checkRequest('GET', '/', HOST, allowed);
  assert.ok(none.ok);
  assert.equal([...none.query].length, 0);
});

test('path traversal, plain or encoded, gets 400', () => {
  for (const url of [
    '/../etc/passwd',
    '/a/../../etc/passwd',
    '/%2e%2e/etc/passwd',
    '/%2E%2E%2Fetc',
    '/..%2fetc%2fpasswd',
    '/..%5c..%5cwindows',
    '/.',
    '/./model.json',
    '/%00',
    '/a%0d%0aSet-Cookie:x',
  ])
    assert.equal(statusOf('GET', url), 400, url);
});

test('absolute-form targets are checked against the allowed hosts too', () => {
  assert.equal(statusOf('GET', 'http://127.0.0.1:8080/model.json', 'evil.example'), '/model.json');
  assert.equal(statusOf('GET', 'http://127.0.0.1:8080', HOST), '/');
  assert.equal(statusOf('GET', 'http://evil.example/', HOST), 421);
  assert.equal(statusOf('GET', 'http://[/', HOST), 421);
});

test('a target longer than MAX_URL_LENGTH gets 414', () => {
  assert.equal(statusOf('GET', `/${'a'.repeat(MAX_URL_LENGTH - 1)}`), `/${'a'.repeat(MAX_URL_LENGTH - 1)}`);
  assert.equal(statusOf('GET', `/${'a'.repeat(MAX_URL_LENGTH)}`), 414);
});
