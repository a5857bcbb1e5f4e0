/** Where the PyTorch side of the torch tests runs: Debian's interpreter, when it imports torch. */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './cli.command.js';

/** Debian's interpreter; SPIKEREP_TEST_PYTHON names another (a missing one shows what the skips look like). */
export const PYTHON = process.env['SPIKEREP_TEST_PYTHON'] ?? '/usr/bin/python3';

/** Why the PyTorch side cannot run here, or undefined. CI fails instead only where its script installs torch. */
export function torchMissing(): string | undefined {
  const r = spawnSync(PYTHON, ['-c', 'import torch'], { encoding: 'utf8' });
  if (r.status === 0) return undefined;
  const ciInstalls = readFileSync(join(ROOT, '.ci', 'run'), 'utf8').includes('python3-torch');
  if (process.env['CI'] !== undefined && ciInstalls)
    throw new Error(`CI installs python3-torch, yet ${PYTHON} cannot import torch`);
  return `${PYTHON} cannot import torch (Debian: apt install python3-torch)${ciInstalls ? '' : '; .ci/run does not install it'}`;
}

/**
 * torchrun's flags for one node: the rendezvous on a free port (`--standalone` takes port 29400, so two runs at once,
 * as in parallel test files, collide), and `--redirects 1 --tee 1` for Debian's torch 1.13 under Python 3.11.
 */
export const TORCHRUN_ONE_NODE = [
  '--rdzv_backend',
  'c10d',
  '--rdzv_endpoint',
  'localhost:0',
  '--nnodes',
  '1',
  '--redirects',
  '1',
  '--tee',
  '1',
] as const;
