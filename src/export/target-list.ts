/** The targets by name, and the export step they share: to integers, check, then annotate (docs/targets.md). */
import type { NirGraph } from './nir-graph.js';
import { type TargetName, TargetRefusal, type TargetSpec, viewOf } from './target.js';
import { integerGraph } from './target-integer.js';
import { LOIHI2 } from './target-loihi2.js';
import { SPECK } from './target-speck.js';
import { XYLO } from './target-xylo.js';

/** No limits: 8-bit integer weights with their scales, thresholds exact in weight steps. */
export const GENERIC: TargetSpec = {
  name: 'generic',
  title: 'the generic integer format',
  weightBits: 8,
  integerState: false,
  check: () => [],
};

export const TARGETS: Readonly<Record<TargetName, TargetSpec>> = {
  generic: GENERIC,
  speck: SPECK,
  xylo: XYLO,
  loihi2: LOIHI2,
};

/** The float graph in the target's integer format; throws TargetRefusal (every violation) when it does not fit. */
export function graphForTarget(graph: NirGraph, name: TargetName): NirGraph {
  const spec = TARGETS[name];
  const ints = integerGraph(graph, spec);
  const view = viewOf(ints);
  const lines = spec.check(view);
  if (lines.length > 0) throw new TargetRefusal(spec, lines);
  spec.annotate?.(view);
  return ints;
}
