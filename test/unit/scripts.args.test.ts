/** The opt-in scripts answer bad flags like the CLI does: one line, exit 2, never a stack trace. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';

function run(script: string, ...args: string[]): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', `scripts/${script}.ts`, ...args], { encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

const cases: [string, string[], RegExp][] = [
  ['fuzz', ['--bogus'], /^fuzz: Unknown option '--bogus'.* \(usage: npm run fuzz/],
  ['fuzz', ['--inputs', 'many'], /^fuzz: --inputs: expected a whole number ≥ 1, got many$/],
  ['fuzz', ['--only', 'nosuch'], /^fuzz: --only: unknown target nosuch \(targets: .*server\)$/],
  ['kill-resume', ['--kills=-3'], /^kill-resume: --kills: expected a whole number ≥ 0, got -3$/],
  ['kill-resume', ['--backend', 'cuda'], /^kill-resume: --backend: expected reference, wasm or both, got cuda$/],
  ['spoken-digits', ['--bogus'], /^spoken-digits: Unknown option '--bogus'.* \(usage: bash scripts\/spoken-digits\.sh/],
  ['spoken-digits', ['--seed', 'x'], /^spoken-digits: --seed: expected a whole number ≥ 0, got x$/],
  ['spoken-digits', ['--seconds', '0'], /^spoken-digits: --seconds: expected comma-separated numbers, got '0'$/],
];

for (const [script, args, said] of cases) {
  test(`${script} ${args.join(' ')}: one line, exit 2`, () => {
    const r = run(script, ...args);
    assert.equal(r.code, 2);
    assert.equal(r.out, '');
    const lines = r.err.trimEnd().split('\n');
    assert.equal(lines.length, 1, r.err);
    assert.match(lines[0]!, said);
  });
}

test('fuzz --help prints its usage and exits 0', () => {
  const r = run('fuzz', '--help');
  assert.equal(r.code, 0);
  assert.match(r.out, /^usage: npm run fuzz/);
});
