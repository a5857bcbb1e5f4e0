/**
 * Opt-in: npm run kill-resume [-- --kills N --seed S --backend reference|wasm|both --threads N --epochs E]
 * SIGKILLs a short MNIST training at random moments and inside checkpoint writes, resumes it each time, and checks
 * that the final weights equal an uninterrupted run's bit for bit. Exits 1 on any loss or difference.
 */

import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { killResume } from './kill-resume-lib.js';
import { scriptArgs, wholeNumber } from './script-args.js';

const USAGE = 'npm run kill-resume [-- --kills N --seed S --backend reference|wasm|both --threads N --epochs E]';
const values = scriptArgs('kill-resume', USAGE, {
  kills: { type: 'string', default: '20' },
  seed: { type: 'string', default: '7' },
  backend: { type: 'string', default: 'both' },
  threads: { type: 'string', default: '1' },
  epochs: { type: 'string', default: '4' },
}) as Record<'kills' | 'seed' | 'backend' | 'threads' | 'epochs', string>;
for (const [flag, min] of [
  ['kills', 0],
  ['seed', 0],
  ['threads', 1],
  ['epochs', 1],
] as const) {
  wholeNumber('kill-resume', flag, values[flag], min);
}
if (!['reference', 'wasm', 'both'].includes(values.backend)) {
  console.error(`kill-resume: --backend: expected reference, wasm or both, got ${values.backend}`);
  process.exit(2);
}
const backends = values.backend === 'both' ? ['reference', 'wasm'] : [values.backend];
let failed = false;
for (const backend of backends) {
  // reference is slow: a smaller subset keeps a run to a few seconds
  const size =
    backend === 'reference'
      ? ['--train-limit', '48', '--test-limit', '16', '--batch-size', '16', '--T', '1']
      : ['--train-limit', '256', '--test-limit', '64', '--batch-size', '32', '--T', '2'];
  const trainArgs = [
    ...size,
    '--epochs',
    values.epochs,
    '--warmup',
    '5',
    '--backend',
    backend,
    '--seed',
    values.seed,
    ...(backend === 'wasm' ? ['--threads', values.threads] : []),
  ];
  const workDir = join(tmpdir(), `spikerep-kill-${backend}-${process.pid}`);
  console.log(`== ${backend}: spikerep train ${trainArgs.join(' ')}`);
  const r = await killResume({
    trainArgs,
    kills: Number(values.kills),
    seed: Number(values.seed),
    workDir,
    log: (l) => console.log(l),
  });
  const inWrite = r.points.filter((p) => !p.finished && p.inWrite).length;
  console.log(
    `${backend}: ${r.kills} kills (${inWrite} inside a checkpoint write), ${r.survived} survived; final weights ${r.identical ? 'bit-identical to the uninterrupted run' : 'DIFFER'}`,
  );
  for (const m of r.mismatches) console.log(`  ${m}`);
  if (!r.identical || r.survived !== r.kills) failed = true;
  rmSync(workDir, { recursive: true, force: true });
}
process.exitCode = failed ? 1 : 0;
