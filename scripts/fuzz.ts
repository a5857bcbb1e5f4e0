/**
 * Opt-in: npm run fuzz [-- --inputs N --server-inputs M --seed S --only name,name]
 * Feeds every file parser (IDX, gzip, CIFAR-10/100, AEDAT events, checkpoints, recipes) N seeded mutations of valid
 * files (default 100 000 each) and counts crashes: any outcome other than success or a one-line SpikerepError.
 * Target "server": M raw requests (default 5000) to the demo server on 127.0.0.1 (test/support/fuzz.server.ts).
 */
import { parseArgs } from 'node:util';
import { serverFuzzCampaign } from '../test/support/fuzz.server.js';
import { fuzzTargets, runFuzz } from '../test/support/robust.fuzz-targets.js';

const { values } = parseArgs({
  options: {
    inputs: { type: 'string', default: '100000' },
    'server-inputs': { type: 'string', default: '5000' },
    seed: { type: 'string', default: '20261128' },
    only: { type: 'string' },
  },
});
const inputs = Number(values.inputs);
const only = values.only?.split(',');
let crashes = 0;
for (const [i, t] of fuzzTargets().entries()) {
  if (only !== undefined && !only.includes(t.name)) continue;
  const t0 = performance.now();
  const r = runFuzz(t, inputs, Number(values.seed) + i);
  crashes += r.crashes;
  const s = ((performance.now() - t0) / 1000).toFixed(1);
  console.log(
    `${t.name.padEnd(10)} ${r.inputs} inputs, ${r.refused} refused with SpikerepError, ${r.inputs - r.refused - r.crashes} accepted, ${r.crashes} crashes (${s} s)`,
  );
  for (const c of r.firstCrashes) console.log(`  ${c}`);
}
if (only === undefined || only.includes('server')) {
  const r = await serverFuzzCampaign(Number(values['server-inputs']), Number(values.seed));
  crashes += r.crashes + r.hangs + (r.aliveAfter ? 0 : 1);
  console.log(
    `${'server'.padEnd(10)} ${r.inputs} requests, ${r.closed} closed, statuses ${JSON.stringify(r.statuses)}, ${r.crashes} crashes, ${r.hangs} hangs, ${r.aliveAfter ? 'answers' : 'DOES NOT ANSWER'} a GET after (${r.seconds.toFixed(1)} s)`,
  );
  for (const p of r.firstProblems) console.log(`  ${p}`);
}
console.log(crashes === 0 ? 'no crashes' : `${crashes} CRASHES`);
process.exitCode = crashes === 0 ? 0 : 1;
