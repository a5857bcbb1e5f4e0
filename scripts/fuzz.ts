/**
 * Opt-in: npm run fuzz [-- --inputs N --server-inputs M --seed S --only name,name]
 * Feeds every file parser (IDX, gzip, CIFAR-10/100, AEDAT events, checkpoints, recipes) N seeded mutations of valid
 * files (default 100 000 each) and counts crashes: any outcome other than success or a one-line SpikerepError.
 * Target "server": M raw requests (default 5000) to the demo server on 127.0.0.1 (test/support/fuzz.server.ts).
 */
import { serverFuzzCampaign } from '../test/support/fuzz.server.js';
import { fuzzTargets, runFuzz } from '../test/support/robust.fuzz-targets.js';
import { scriptArgs, wholeNumber } from './script-args.js';

const values = scriptArgs('fuzz', 'npm run fuzz [-- --inputs N --server-inputs M --seed S --only name,name]', {
  inputs: { type: 'string', default: '100000' },
  'server-inputs': { type: 'string', default: '5000' },
  seed: { type: 'string', default: '20261128' },
  only: { type: 'string' },
});
const inputs = wholeNumber('fuzz', 'inputs', values['inputs'], 1);
const serverInputs = wholeNumber('fuzz', 'server-inputs', values['server-inputs'], 1);
const seed = wholeNumber('fuzz', 'seed', values['seed'], 0);
const only = values['only']?.split(',');
const known = [...fuzzTargets().map((t) => t.name), 'server'];
const unknown = only?.filter((name) => !known.includes(name)) ?? [];
if (unknown.length > 0) {
  console.error(`fuzz: --only: unknown target ${unknown.join(', ')} (targets: ${known.join(', ')})`);
  process.exit(2);
}
let crashes = 0;
for (const [i, t] of fuzzTargets().entries()) {
  if (only !== undefined && !only.includes(t.name)) continue;
  const t0 = performance.now();
  const r = runFuzz(t, inputs, seed + i);
  crashes += r.crashes;
  const s = ((performance.now() - t0) / 1000).toFixed(1);
  console.log(
    `${t.name.padEnd(10)} ${r.inputs} inputs, ${r.refused} refused with SpikerepError, ${r.inputs - r.refused - r.crashes} accepted, ${r.crashes} crashes (${s} s)`,
  );
  if (t.report !== undefined) console.log(`  ${t.report()}`);
  for (const c of r.firstCrashes) console.log(`  ${c}`);
}
if (only === undefined || only.includes('server')) {
  const r = await serverFuzzCampaign(serverInputs, seed);
  crashes += r.crashes + r.hangs + (r.aliveAfter ? 0 : 1);
  console.log(
    `${'server'.padEnd(10)} ${r.inputs} requests, ${r.closed} closed, statuses ${JSON.stringify(r.statuses)}, ${r.crashes} crashes, ${r.hangs} hangs, ${r.aliveAfter ? 'answers' : 'DOES NOT ANSWER'} a GET after (${r.seconds.toFixed(1)} s)`,
  );
  for (const p of r.firstProblems) console.log(`  ${p}`);
}
console.log(crashes === 0 ? 'no crashes' : `${crashes} CRASHES`);
process.exitCode = crashes === 0 ? 0 : 1;
