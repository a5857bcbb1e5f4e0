/**
 * The committed results and what the README says about them: results/MANIFEST.md names every JSON once with the
 * command that wrote it (train results store theirs), the README's equal-budget and parity tables are exactly what
 * scripts/results-table.ts renders from results/table/, and each best-runs row shows its JSON's numbers.
 */

import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { README_BENCH_FILES, renderBenchTable } from '../../scripts/bench-table-render.js';
import { bestRunCells, readResult, renderResultsTables } from '../../scripts/results-table-render.js';
import { renderSeedTable, seedGroups } from '../../scripts/seed-table.js';

const ROOT = new URL('../..', import.meta.url);
process.chdir(ROOT.pathname); // table cells name files relative to the repository root
const README = readFileSync('README.md', 'utf8');

function jsonFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return jsonFiles(p);
    return e.name.endsWith('.json') ? [p] : [];
  });
}

/** The cells of each row of the markdown table that follows `heading` (a line of the README). */
function tableAfter(text: string, heading: string): string[][] {
  const lines = text.split('\n');
  const start = lines.findIndex((l) => l.startsWith(heading));
  assert.ok(start >= 0, `no "${heading}" in the text`);
  let i = start + 1;
  while (i < lines.length && !lines[i]!.startsWith('|')) i++;
  const rows: string[][] = [];
  for (i += 2; i < lines.length && lines[i]!.startsWith('|'); i++) {
    rows.push(
      lines[i]!.slice(1, -1)
        .split('|')
        .map((c) => c.trim()),
    );
  }
  return rows;
}

const unquote = (cell: string): string => cell.replace(/^`|`$/g, '');

test('results/MANIFEST.md lists every results JSON once, with the command stored in it', () => {
  const manifest = readFileSync('results/MANIFEST.md', 'utf8');
  const rows = tableAfter(manifest, '# results/');
  const listed = rows.map((r) => unquote(r[0]!));
  assert.deepEqual([...listed].sort(), jsonFiles('results').sort(), 'manifest rows differ from the files');
  assert.equal(new Set(listed).size, listed.length, 'a file is listed twice');
  for (const [file, command, what] of rows.map((r) => r.map(unquote))) {
    assert.ok(what !== undefined && what.length > 10, `${file}: no description`);
    const stored = (JSON.parse(readFileSync(file!, 'utf8')) as { command?: string }).command;
    if (stored !== undefined) assert.equal(command, stored, `${file}: manifest command differs from the JSON's`);
    else {
      // files that store no command: a benchmark's JSON, a search's files, what a script wrote into its folder
      const f = file!.replace(/\./g, '\\.');
      const dir = file!.slice(0, file!.lastIndexOf('/')).replace(/\./g, '\\.');
      assert.match(
        command!,
        new RegExp(
          `^(spikerep bench .*--json ${f}|spikerep tune .*--out \\S+ .*\\(copied to ${dir}/\\)|bash scripts/first-command\\.sh \\d+ ${dir}|bash scripts/(torch-parity|torch-throughput|parity-rerun)\\.sh .* ${dir})$`,
        ),
        file,
      );
    }
  }
});

test("the README's equal-budget and parity tables are what scripts/results-table.ts renders", () => {
  const blocks = renderResultsTables('results/table').trimEnd().split('\n\n');
  assert.equal(blocks.length, 2);
  for (const block of blocks) {
    const header = block.split('\n')[0]!;
    assert.ok(README.includes(header), `README lacks the table headed ${header}`);
    assert.ok(README.includes(block), `README table headed "${header}" differs from the committed JSON:\n${block}`);
  }
});

test("the README's benchmark table is what scripts/bench-table.ts renders from the bench files it names", () => {
  const table = renderBenchTable(README_BENCH_FILES);
  assert.ok(README.includes(table), `README's benchmark table differs from the committed JSON:\n${table}`);
  for (const f of README_BENCH_FILES) assert.ok(README.includes(f), `README does not name ${f}`);
});

test('every best-runs row of the README shows the numbers of its JSON, and its command is the stored one', () => {
  const rows = tableAfter(README, '**Best runs**');
  assert.ok(rows.length >= 5, `expected the best-runs rows, got ${rows.length}`);
  for (const [, neuron, T, epochs, accuracy, rates, synops, energy, seconds, run] of rows) {
    const file = unquote(run!);
    const r = readResult(file);
    assert.ok(r !== null, `${file} (README best runs) does not exist`);
    const want = bestRunCells(r);
    const label = `${file} (${neuron})`;
    assert.equal(T, want.T, `${label}: T`);
    assert.equal(epochs, want.epochs, `${label}: epochs`);
    assert.equal(accuracy!.replace(/\*\*/g, '').split(' (')[0], want.accuracy, `${label}: test accuracy`);
    assert.equal(rates!.replace(/¹$/, ''), want.rates, `${label}: firing rates`);
    assert.equal(synops, want.synops, `${label}: synaptic ops`);
    assert.equal(energy, want.energy, `${label}: energy`);
    assert.equal(seconds, want.secondsPerEpoch, `${label}: seconds per epoch`);
    assert.ok(README.includes(`\`npx ${r.command}\``), `${label}: README does not give its command npx ${r.command}`);
  }
});

test("the README's seed-averaged table is what scripts/seed-table.ts renders from results/best", () => {
  const table = renderSeedTable(seedGroups('results/best', 3), 3).trimEnd();
  assert.ok(README.includes(table), `README's seed table differs from the committed JSON:\n${table}`);
});
