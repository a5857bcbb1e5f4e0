/**
 * Kill at any moment, resume, lose at most the current epoch. Runs `spikerep train --checkpoint DIR [--resume] …`
 * through the real CLI, SIGKILLs it at random moments and exactly inside checkpoint writes (via scripts/fs-faults.ts),
 * resumes each time, and finally compares the result with an uninterrupted run of the same seed: every tensor of
 * last.ckpt and best.ckpt bit for bit, and the per-epoch losses, accuracies and learning rates.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Rng } from '../src/rng.js';
import { loadCheckpoint } from '../src/train/checkpoint.js';
import type { RunMeta } from '../src/train/state.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const FAULTS = fileURLToPath(new URL('./fs-faults.ts', import.meta.url));

export type KillMode = 'random' | 'mid-write' | 'before-rename';

export interface KillPoint {
  mode: KillMode;
  /** ms after the start (random kills), or which temporary checkpoint file of that process (write kills). */
  when: string;
  epochBefore: number;
  epochAfter: number;
  /** A temporary checkpoint file was left: the kill landed inside a checkpoint write. */
  inWrite: boolean;
  /** The process finished before the kill came (not counted as a kill). */
  finished: boolean;
  /** last.ckpt was readable (or not yet written) after the kill, and never went back an epoch. */
  survived: boolean;
}

export interface KillResumeReport {
  points: KillPoint[];
  kills: number;
  survived: number;
  identical: boolean;
  mismatches: string[];
  uninterruptedMs: number;
}

export interface KillResumeOptions {
  /** CLI flags of the training run (dataset sizes, epochs, backend, seed…), without --checkpoint/--resume. */
  trainArgs: string[];
  kills: number;
  seed: number;
  /** Folder for the two runs' checkpoints (created, emptied). */
  workDir: string;
  log?: (line: string) => void;
  /** Run the compiled CLI (dist/cli/bin.js, built by `npm run build:ts`) instead of src/ through tsx: faster to start. */
  compiled?: boolean;
}

interface Outcome {
  code: number | null;
  signal: string | null;
  stderr: string;
  ms: number;
  pid: number;
}

function runCli(
  compiled: boolean,
  args: string[],
  env: Record<string, string>,
  kill?: { afterMs?: number; mark?: string },
): Promise<Outcome> {
  // the fault injector is TypeScript either way, so tsx stays loaded
  const entry = compiled
    ? ['--import', 'tsx', '--import', FAULTS, 'dist/cli/bin.js']
    : ['--import', 'tsx', '--import', FAULTS, 'src/cli/bin.ts'];
  return new Promise((resolve) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, [...entry, 'train', ...args], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timers: NodeJS.Timeout[] = [];
    if (kill?.afterMs !== undefined) timers.push(setTimeout(() => child.kill('SIGKILL'), kill.afterMs));
    if (kill?.mark !== undefined) {
      const mark = kill.mark;
      timers.push(setInterval(() => existsSync(mark) && child.kill('SIGKILL'), 5));
    }
    child.on('close', (code, signal) => {
      timers.forEach((t) => clearInterval(t));
      resolve({ code, signal, stderr, ms: performance.now() - t0, pid: child.pid ?? -1 });
    });
  });
}

/** Epochs in dir/last.ckpt (0 when there is none); throws if the file is damaged. */
function epochOf(dir: string): number {
  const path = join(dir, 'last.ckpt');
  return existsSync(path) ? loadCheckpoint<RunMeta>(path).meta.run.epoch : 0;
}

function compare(a: string, b: string, out: string[]): void {
  for (const name of ['last.ckpt', 'best.ckpt']) {
    const x = loadCheckpoint<RunMeta>(join(a, name));
    const y = loadCheckpoint<RunMeta>(join(b, name));
    if (x.tensors.size !== y.tensors.size) out.push(`${name}: ${x.tensors.size} vs ${y.tensors.size} tensors`);
    for (const [t, v] of x.tensors) {
      const w = y.tensors.get(t);
      if (
        w === undefined ||
        Buffer.compare(
          Buffer.from(v.buffer, v.byteOffset, v.byteLength),
          Buffer.from(w.buffer, w.byteOffset, w.byteLength),
        ) !== 0
      ) {
        out.push(`${name}: tensor ${t} differs`);
      }
    }
    const h = (m: RunMeta) =>
      JSON.stringify(m.run.history.map((r) => [r.epoch, r.trainLoss, r.trainAccuracy, r.testAccuracy, r.lr]));
    if (h(x.meta) !== h(y.meta)) out.push(`${name}: history differs: ${h(x.meta)} vs ${h(y.meta)}`);
    for (const k of ['epoch', 'iteration', 'best'] as const) {
      if (x.meta.run[k] !== y.meta.run[k]) out.push(`${name}: run.${k} ${x.meta.run[k]} vs ${y.meta.run[k]}`);
    }
    if (JSON.stringify(x.meta.rng) !== JSON.stringify(y.meta.rng)) out.push(`${name}: RNG states differ`);
  }
}

export async function killResume(o: KillResumeOptions): Promise<KillResumeReport> {
  const log = o.log ?? (() => {});
  rmSync(o.workDir, { recursive: true, force: true });
  const refDir = join(o.workDir, 'uninterrupted');
  const runDir = join(o.workDir, 'killed');
  mkdirSync(runDir, { recursive: true });
  const ref = await runCli(o.compiled ?? false, [...o.trainArgs, '--quiet', '--checkpoint', refDir], {});
  if (ref.code !== 0) throw new Error(`uninterrupted run failed: ${ref.stderr.trim()}`);
  log(`uninterrupted run: ${ref.ms.toFixed(0)} ms`);

  const rng = new Rng(o.seed);
  const points: KillPoint[] = [];
  const mismatches: string[] = [];
  const modes: KillMode[] = ['random', 'mid-write', 'before-rename'];
  const epochs = Number(o.trainArgs[o.trainArgs.indexOf('--epochs') + 1] ?? 1);
  let landed = 0;
  // one cycle is a whole run killed until it finishes; cycles repeat until `kills` kills have landed
  for (let cycle = 1; landed < o.kills; cycle++) {
    rmSync(runDir, { recursive: true, force: true });
    mkdirSync(runDir, { recursive: true });
    for (;;) {
      const mode = points.length < modes.length ? modes[points.length]! : modes[rng.int(modes.length)]!;
      const mark = join(o.workDir, `mark-${points.length}`);
      rmSync(mark, { force: true });
      const epochBefore = epochOf(runDir);
      let env: Record<string, string> = {};
      let kill: { afterMs?: number; mark?: string } = {};
      let when = '';
      if (landed >= o.kills) {
        when = 'none (final resume)';
      } else if (mode === 'random') {
        // anywhere in what is left of the run, start-up included
        const ms = Math.round(ref.ms * (0.2 + (0.8 * (epochs - epochBefore)) / epochs) * rng.uniform());
        kill = { afterMs: ms };
        when = `${ms} ms`;
      } else {
        const at = 1 + rng.int(3);
        env = {
          SPIKEREP_FAULT: 'pause',
          SPIKEREP_FAULT_AT: String(at),
          SPIKEREP_FAULT_PHASE: mode === 'mid-write' ? 'write' : 'fsync',
          SPIKEREP_FAULT_MARK: mark,
          SPIKEREP_FAULT_MS: '20000',
        };
        kill = { mark, afterMs: 4 * ref.ms + 20000 }; // the time limit only guards against a hang
        when = `temp file #${at}`;
      }
      // a folder holds one run: continue it once there is a last.ckpt; before that, only a best.ckpt written just
      // before a kill can be there, and the run restarts over it
      const how = existsSync(join(runDir, 'last.ckpt'))
        ? ['--resume']
        : existsSync(join(runDir, 'best.ckpt'))
          ? ['--overwrite']
          : [];
      const r = await runCli(
        o.compiled ?? false,
        [...o.trainArgs, '--quiet', '--checkpoint', runDir, ...how],
        env,
        kill,
      );
      const finished = r.signal !== 'SIGKILL';
      if (finished && r.code !== 0) throw new Error(`cycle ${cycle}: a run failed by itself: ${r.stderr.trim()}`);
      if (finished && kill.afterMs === undefined) break;
      const inWrite = readdirSync(runDir).some((f) => f.endsWith(`.${r.pid}.tmp`));
      let epochAfter = -1;
      try {
        epochAfter = epochOf(runDir);
      } catch (e) {
        log(`cycle ${cycle}: last.ckpt unreadable after a kill: ${(e as Error).message}`);
      }
      const p: KillPoint = {
        mode,
        when,
        epochBefore,
        epochAfter,
        inWrite,
        finished,
        survived: epochAfter >= epochBefore,
      };
      points.push(p);
      if (!finished) landed++;
      log(
        `cycle ${cycle}, ${mode} at ${when}: ${finished ? 'finished first' : `kill ${landed}/${o.kills}`}, epochs ${epochBefore} → ${epochAfter}${inWrite ? ', inside a checkpoint write' : ''}${p.survived ? '' : ', LOST'}`,
      );
      if (finished) break;
    }
    const bad: string[] = [];
    if (readdirSync(runDir).some((f) => f.endsWith('.tmp'))) bad.push('a temporary checkpoint file was left behind');
    compare(refDir, runDir, bad);
    log(
      `cycle ${cycle}: ${bad.length === 0 ? 'bit-identical to the uninterrupted run' : `DIFFERS: ${bad.join('; ')}`}`,
    );
    mismatches.push(...bad.map((b) => `cycle ${cycle}: ${b}`));
  }
  const killed = points.filter((p) => !p.finished);
  return {
    points,
    kills: killed.length,
    survived: killed.filter((p) => p.survived).length,
    identical: mismatches.length === 0,
    mismatches,
    uninterruptedMs: ref.ms,
  };
}
