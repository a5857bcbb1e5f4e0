/**
 * The search without training: the scheduler's rung arithmetic and promotions, a search on a synthetic objective
 * with a known optimum, the budget stop, and a resume after a simulated kill ending on the same state.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Rng } from '../../src/rng.js';
import { DEFAULT_CONFIG, validateConfig } from '../../src/train/config.js';
import { parseRecipe } from '../../src/train/recipe.js';
import { nextJob, ranked, rungEpochs } from '../../src/tune/asha.js';
import { formatDuration, parseDuration } from '../../src/tune/duration.js';
import { paretoFront, score } from '../../src/tune/objective.js';
import { bestRecipe, trialsCsv, trialsMarkdown } from '../../src/tune/outputs.js';
import { stepLine } from '../../src/tune/progress-line.js';
import { runSearch, type StepOutcome, type StepRequest } from '../../src/tune/search.js';
import { defaultSpace, fixSettings, limitT, parseSpace, sampleParams } from '../../src/tune/space.js';
import { bestTrial, newState, type TuneSettings, type TuneState } from '../../src/tune/state.js';
import { trialConfig, trialDir } from '../../src/tune/trial.js';

test('rungs: minEpochs·η^k below the full length, then the full length', () => {
  assert.deepEqual(rungEpochs(1, 9, 3), [1, 3, 9]);
  assert.deepEqual(rungEpochs(1, 27, 3), [1, 3, 9, 27]);
  assert.deepEqual(rungEpochs(1, 10, 3), [1, 3, 9, 10]);
  assert.deepEqual(rungEpochs(2, 40, 2), [2, 4, 8, 16, 32, 40]);
  assert.deepEqual(rungEpochs(5, 5, 3), [5]);
  assert.throws(() => rungEpochs(4, 3, 3), /maxEpochs must be ≥ minEpochs/);
  assert.throws(() => rungEpochs(1, 3, 1), /eta must be ≥ 2/);
});

test('nextJob promotes the best unpromoted trial of the top 1/η of the highest rung, else starts one', () => {
  // rung 0 done by 5 trials: ⌊5/3⌋ = 1 promotable, the best (id 3)
  const five = [0.1, 0.5, 0.3, 0.9, 0.2].map((s, id) => ({ id, scores: [s] }));
  assert.deepEqual(nextJob(five, 3, 3, true), { kind: 'promote', trial: 3, rung: 1 });
  // once it is at rung 1, nothing more to promote until rung 0 has 6 trials
  const promoted = five.map((t) => (t.id === 3 ? { id: 3, scores: [0.9, 0.95] } : t));
  assert.deepEqual(nextJob(promoted, 3, 3, true), { kind: 'start' });
  assert.equal(nextJob(promoted, 3, 3, false), null, 'no trial may start: the search is over');
  // a sixth trial makes two promotable at rung 0: the second best (id 1) goes next
  const six = [...promoted, { id: 5, scores: [0.05] }];
  assert.deepEqual(nextJob(six, 3, 3, true), { kind: 'promote', trial: 1, rung: 1 });
  // higher rungs first: three at rung 1 make the best of them go to rung 2 before anything at rung 0
  const high = [
    { id: 0, scores: [0.9, 0.6] },
    { id: 1, scores: [0.8, 0.7] },
    { id: 2, scores: [0.7, 0.5] },
    ...[3, 4, 5, 6, 7, 8, 9, 10, 11].map((id) => ({ id, scores: [0.1] })),
  ];
  assert.deepEqual(nextJob(high, 3, 3, true), { kind: 'promote', trial: 1, rung: 2 });
  // the top rung is never promoted from; ties go to the earlier trial
  assert.deepEqual(
    ranked(
      [
        { id: 2, scores: [0.5] },
        { id: 1, scores: [0.5] },
      ],
      0,
    ).map((t) => t.id),
    [1, 2],
  );
  assert.deepEqual(nextJob([{ id: 0, scores: [1, 1, 1] }], 3, 3, false), null);
});

/** A learning curve that rises with epochs, peaked at lr = 0.05 (log scale), better with larger T. */
const OPT_LR = 0.05;
function syntheticAccuracy(lr: number, T: number, epochs: number): number {
  const peak = 0.95 - 0.2 * Math.log(lr / OPT_LR) ** 2 + 0.005 * Math.log2(T);
  return peak * (1 - 0.4 * Math.exp(-epochs / 3));
}

function settings(over: Partial<TuneSettings> = {}): TuneSettings {
  const space = fixSettings(defaultSpace('if'), { optimizer: 'sgd' });
  return {
    base: { ...DEFAULT_CONFIG, epochs: 27, trainLimit: 10000 },
    space,
    eta: 3,
    rungs: rungEpochs(1, 27, 3),
    seed: 7,
    maxTrials: 27,
    budgetSeconds: null,
    objective: { name: 'accuracy', maxT: null, maxEnergyJoules: null },
    recipe: null,
    ...over,
  };
}

/** A fake trainer: the synthetic curve at the requested epochs; one second per epoch on a fake clock. */
function fakeRunner(clock: { t: number }, log: StepRequest[] = []) {
  return async (req: StepRequest): Promise<StepOutcome> => {
    log.push(req);
    const epochValAccuracy: number[] = [];
    for (let e = req.from + 1; e <= req.epochs; e++)
      epochValAccuracy.push(syntheticAccuracy(req.params.lr, req.params.T, e));
    clock.t += req.epochs - req.from;
    return {
      valAccuracy: epochValAccuracy[epochValAccuracy.length - 1]!,
      T: req.params.T,
      energyJoules: req.params.T * 1e-6,
      epochValAccuracy,
    };
  };
}

test('a search on a synthetic objective finds the known optimum and promotes only from the top 1/η', async () => {
  const clock = { t: 0 };
  const requests: StepRequest[] = [];
  let seen: TuneState = newState(settings());
  const run = fakeRunner(clock, requests);
  const final = await runSearch(seen, {
    runStep: async (req) => {
      if (req.rung > 0) {
        // the promoted trial ranks in the top ⌊n/η⌋ of its rung as it stood
        const done = ranked(
          seen.trials.map((t) => ({ id: t.id, scores: t.steps.map((m) => score(seen.settings.objective, m)) })),
          req.rung - 1,
        );
        const top = done.slice(0, Math.floor(done.length / 3)).map((t) => t.id);
        assert.ok(top.includes(req.trial), `trial ${req.trial} promoted to rung ${req.rung} from the top ${top}`);
        assert.equal(req.from, seen.settings.rungs[req.rung - 1], 'continues from the previous rung, not from scratch');
      }
      return run(req);
    },
    save: (s) => {
      seen = s;
    },
    now: () => clock.t,
  });
  assert.equal(final.stopped, 'complete');
  assert.equal(final.trials.length, 27);
  const atRung = (k: number): number => final.trials.filter((t) => t.steps.length > k).length;
  assert.equal(atRung(0), 27);
  assert.ok(atRung(1) >= 9 && atRung(1) < 27, `rung 1: ${atRung(1)}`);
  assert.ok(atRung(3) >= 1, 'someone trained the full length');
  // every trial's lr was drawn; the winner is the sampled lr nearest the optimum (the curve's order is the same at every epoch)
  const best = bestTrial(final)!;
  assert.equal(best.steps.length, 4, 'the winner trained the full 27 epochs');
  const distance = (lr: number): number => Math.abs(Math.log(lr / OPT_LR));
  const nearest = Math.min(...final.trials.map((t) => distance(t.params.lr)));
  assert.ok(distance(best.params.lr) <= nearest + 0.15, `best lr ${best.params.lr}`);
  assert.ok(distance(best.params.lr) < Math.log(1.5), `best lr ${best.params.lr} within 1.5× of ${OPT_LR}`);
  // the clock: one second per epoch trained, no epoch trained twice
  const epochs = requests.reduce((a, r) => a + r.epochs - r.from, 0);
  assert.equal(final.elapsedSeconds, epochs);
  assert.ok(epochs < (27 * 27) / 3, `successive halving trained ${epochs} epochs, far fewer than 27 full runs`);
});

test('the budget stops new steps once spent; a raised budget continues', async () => {
  const clock = { t: 0 };
  const s = await runSearch(newState(settings({ maxTrials: null, budgetSeconds: 20 })), {
    runStep: fakeRunner(clock),
    save: () => {},
    now: () => clock.t,
  });
  assert.equal(s.stopped, 'budget');
  const lastStep = Math.max(...s.trials.flatMap((t) => t.steps.map((m) => m.seconds)));
  assert.ok(s.elapsedSeconds >= 20, 'spent');
  assert.ok(s.elapsedSeconds - lastStep < 20, 'the last step started within the budget');
  const more = await runSearch(
    { ...s, settings: { ...s.settings, budgetSeconds: 40 }, stopped: null },
    { runStep: fakeRunner(clock), save: () => {}, now: () => clock.t },
  );
  assert.ok(more.elapsedSeconds >= 40 && more.trials.length > s.trials.length);
});

test('resume after a kill mid-step ends on the same state as an uninterrupted search', async () => {
  const clock = { t: 0 };
  const whole = await runSearch(newState(settings({ maxTrials: 12 })), {
    runStep: fakeRunner(clock),
    save: () => {},
    now: () => clock.t,
  });
  for (const killAt of [1, 5, 13]) {
    const c = { t: 0 };
    // the command saves the new state before the first step
    let saved = JSON.stringify(newState(settings({ maxTrials: 12 })));
    let steps = 0;
    const run = fakeRunner(c);
    await assert.rejects(
      runSearch(newState(settings({ maxTrials: 12 })), {
        runStep: async (req) => {
          if (++steps === killAt) throw new Error('killed');
          return run(req);
        },
        save: (s) => {
          saved = JSON.stringify(s);
        },
        now: () => c.t,
      }),
      /killed/,
    );
    const resumed = await runSearch(JSON.parse(saved) as TuneState, {
      runStep: fakeRunner(c),
      save: () => {},
      now: () => c.t,
    });
    assert.deepEqual(resumed, whole, `killed at step ${killAt}`);
  }
});

test('search space: deterministic draws within their ranges; flags fix settings; a T budget limits T; files checked', () => {
  const space = defaultSpace('lif');
  const a = sampleParams(space, new Rng(3));
  assert.deepEqual(sampleParams(space, new Rng(3)), a, 'same seed, same draw');
  for (let i = 0; i < 200; i++) {
    const p = sampleParams(space, new Rng(i));
    const lr = p.optimizer === 'sgd' ? [0.01, 0.3] : [1e-4, 3e-3];
    assert.ok(p.lr >= lr[0]! * 0.999 && p.lr <= lr[1]! * 1.001, `lr ${p.lr} for ${p.optimizer}`);
    assert.ok(p.vth! >= 0.1 * 0.999 && p.vth! <= 0.9 * 1.001, `vth ${p.vth} around LIF's 0.3`);
    assert.ok(p.alpha! >= 0.2 && p.alpha! <= 1);
    assert.ok([1, 2, 4, 8].includes(p.T) && [32, 64, 128].includes(p.batchSize));
  }
  const fixed = fixSettings(space, { lr: 0.02, T: 4, optimizer: 'adam' });
  const f = sampleParams(fixed, new Rng(1));
  assert.equal(f.lr, 0.02);
  assert.equal(f.T, 4);
  assert.equal(f.optimizer, 'adam');
  assert.deepEqual(limitT(space, 2).T, { choice: [1, 2] });
  assert.equal(defaultSpace('ann').alpha, null);
  const fromFile = parseSpace(
    { lr: { min: 0.1, max: 0.2, log: false }, T: [2], weightDecay: [0, 1e-4] },
    space,
    's.json',
  );
  assert.deepEqual(fromFile.lr.adam, { min: 0.1, max: 0.2, log: false });
  assert.deepEqual(fromFile.T, { choice: [2] });
  assert.deepEqual(fromFile.weightDecay, { choice: [0, 1e-4] });
  assert.deepEqual(parseSpace({ lr: { sgd: [0.1] } }, space, 's.json').lr.adam, space.lr.adam);
  assert.throws(() => parseSpace({ lrr: 1 }, space, 's.json'), /^SpikerepError: s\.json: unknown setting "lrr"$/);
  assert.throws(
    () => parseSpace({ T: [0] }, space, 's.json'),
    /^SpikerepError: s\.json: setting "T": expected an integer ≥ 1, a non-empty list of them$/,
  );
  assert.throws(() => parseSpace({ lr: { min: 0.3, max: 0.1 } }, space, 's.json'), /max must be ≥ min/);
});

test('objective: trials over the budget rank below all within it; the Pareto front', () => {
  const o = { name: 'accuracy' as const, maxT: 4, maxEnergyJoules: null };
  assert.ok(
    score(o, { valAccuracy: 0.5, T: 2, energyJoules: 1 }) > score(o, { valAccuracy: 0.99, T: 8, energyJoules: 1 }),
  );
  const points = [
    { valAccuracy: 0.9, T: 4, energyJoules: 2 },
    { valAccuracy: 0.95, T: 8, energyJoules: 3 },
    { valAccuracy: 0.85, T: 4, energyJoules: 2.5 }, // dominated by the first
    { valAccuracy: 0.8, T: 1, energyJoules: 1 },
    { valAccuracy: 0.9, T: 4, energyJoules: 2 }, // equal to the first: neither dominates
  ];
  assert.deepEqual(paretoFront(points), [0, 1, 3, 4]);
});

test('durations: 90s, 30m, 2h, 1h30m; anything else is one line naming the option', () => {
  assert.equal(parseDuration('90s'), 90);
  assert.equal(parseDuration('30m'), 1800);
  assert.equal(parseDuration('2h'), 7200);
  assert.equal(parseDuration('1h30m'), 5400);
  assert.equal(parseDuration('1.5h'), 5400);
  for (const bad of ['30', 'm', '30x', '0s', '-5m', '1h 30q'])
    assert.throws(() => parseDuration(bad), /^SpikerepError: budget: /, bad);
  assert.equal(formatDuration(5400), '1h30m');
  assert.equal(formatDuration(95), '1m35s');
});

test('outputs: the winning recipe parses as a recipe; table rows and progress lines', async () => {
  const clock = { t: 0 };
  const s = await runSearch(newState(settings({ maxTrials: 6 })), {
    runStep: fakeRunner(clock),
    save: () => {},
    now: () => clock.t,
  });
  const recipe = bestRecipe(s)!;
  const parsed = parseRecipe(JSON.parse(JSON.stringify(recipe)), 'best-recipe.json');
  const best = bestTrial(s)!;
  assert.equal(parsed.config.lr, best.params.lr);
  assert.equal(parsed.config.T, best.params.T);
  assert.equal(parsed.config.epochs, 27, 'the full length, not the rung the winner reached');
  assert.equal(parsed.config.trainLimit, 10000, 'the base train limit, written out');
  assert.ok(!('checkpointDir' in recipe.config) && !('backend' in recipe.config));
  const csv = trialsCsv(s).trim().split('\n');
  assert.equal(csv.length, 7);
  assert.match(csv[1]!, new RegExp(`^${best.id},`), 'best first');
  assert.match(trialsMarkdown(s), /\| trial \| rung \|/);
  for (const t of s.trials) assert.ok(stepLine(s, t).length <= 100, stepLine(s, t));
  assert.match(
    stepLine(s, s.trials[0]!),
    /^trial 000 r\d \d+ep sgd lr [\d.e-]+ .* \| val \d+\.\d\d% \| best \d{3} \d+\.\d\d%$/,
  );
});

test('a trial step trains in its own folder, resumes from its last.ckpt, keeps the full schedule length', () => {
  const out = mkdtempSync(join(tmpdir(), 'spikerep-tune-trial-'));
  const dir = trialDir(out, 7);
  assert.equal(dir, join(out, 'trial-007'));
  const params = { optimizer: 'adam' as const, lr: 0.001, weightDecay: 0, T: 2, batchSize: 32, vth: 2 };
  const fresh = trialConfig({ ...DEFAULT_CONFIG, epochs: 27 }, params, dir);
  assert.deepEqual(
    { dir: fresh.checkpointDir, resume: fresh.resume, overwrite: fresh.overwrite, epochs: fresh.epochs, lr: fresh.lr },
    { dir, resume: false, overwrite: true, epochs: 27, lr: 0.001 },
  );
  mkdirSync(dir);
  writeFileSync(join(dir, 'last.ckpt'), '');
  const promoted = trialConfig({ ...DEFAULT_CONFIG, epochs: 27 }, params, dir);
  assert.deepEqual({ resume: promoted.resume, overwrite: promoted.overwrite }, { resume: true, overwrite: false });
  validateConfig(promoted);
});
