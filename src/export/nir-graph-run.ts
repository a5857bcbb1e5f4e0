/**
 * Runs any NIR graph step by step (branches, sums of several inputs, cycles), the way every simulator runs them.
 * The nodes are ordered depth first from the Input (reverse post-order); an edge that points back in that order
 * (a recurrent edge, a self-loop) carries its source's output of the previous step, zero at the first step: a
 * cycle runs through a one-step delay. Each step feeds x[t] to the Input, then runs every node once, in order.
 * Node semantics: nir-graph-ops.ts and nir-neuron-rule.ts. Float64 throughout, on the host.
 */
import { SpikerepError } from '../errors.js';
import { checkDeclaredSize } from '../memory-budget.js';
import type { NirGraph } from './nir-graph.js';
import { makeOp, type NodeOp } from './nir-graph-ops.js';
import type { NeuronConventions, NeuronRule } from './nir-neuron-rule.js';

/** What to keep per node besides the output: 'spikes' = outputs of spiking nodes, 'membrane' = neuron states. */
export type NirRecord = 'none' | 'spikes' | 'membrane' | 'all';

export interface NirTrace {
  readonly node: string;
  readonly type: string;
  /** 'output': what the node sends along its edges each step; 'membrane': v at the step before any reset. */
  readonly kind: 'output' | 'membrane';
  /** [T, B, …node shape]. */
  readonly shape: readonly number[];
  readonly data: Float32Array;
}

export interface NirRunResult {
  /** The Output node's value at every step: [T, B, …outputShape]. */
  readonly output: Float32Array;
  readonly shape: readonly number[];
  readonly traces: readonly NirTrace[];
}

interface CompiledNode {
  readonly name: string;
  readonly type: string;
  readonly op: NodeOp;
  readonly size: number;
  /** Indices (in run order) of the nodes feeding it this step and of those feeding it their previous step. */
  readonly now: number[];
  readonly previous: number[];
}

const sizeOf = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);
const fmt = (s: readonly number[]): string => `[${s.join(', ')}]`;

export class NirGraphProgram {
  /** One sample's input, NIR order (channels first). */
  readonly inputShape: readonly number[];
  readonly outputShape: readonly number[];
  /** Node names in the order each step runs them, with their output shapes. */
  readonly nodes: readonly { name: string; type: string; shape: readonly number[]; rule?: NeuronRule }[];
  /** Edges that carry the previous step's value (recurrent edges). */
  readonly delayedEdges: readonly [string, string][];
  private readonly compiled: CompiledNode[];

  constructor(graph: NirGraph, conventions: NeuronConventions, source: string) {
    const err = (what: string): never => {
      throw new SpikerepError('E_UNSUPPORTED', what, source);
    };
    const names = Object.keys(graph.nodes);
    const typeOf = (n: string): string => graph.nodes[n]!.type;
    const out = new Map<string, string[]>(names.map((n) => [n, []]));
    for (const [a, b] of graph.edges) {
      for (const x of [a, b])
        if (graph.nodes[x] === undefined) err(`an edge names node '${x}', which is not in the graph`);
      out.get(a)!.push(b);
    }
    const inputs = names.filter((n) => typeOf(n) === 'Input');
    const outputs = names.filter((n) => typeOf(n) === 'Output');
    if (inputs.length !== 1) err(`the graph needs exactly one Input node, it has ${inputs.length}`);
    if (outputs.length !== 1) err(`the graph needs exactly one Output node, it has ${outputs.length}`);
    for (const [a, b] of graph.edges)
      if (typeOf(b) === 'Input' || typeOf(a) === 'Output')
        err(`the edge '${a}' → '${b}' feeds back into the Input or out of the Output`);
    const order = reversePostOrder(inputs[0]!, out);
    const unreached = names.find((n) => !order.includes(n));
    if (unreached !== undefined)
      err(`node '${unreached}' (${typeOf(unreached)}) cannot be reached from the Input '${inputs[0]}'`);
    const reachesOutput = new Set([outputs[0]!]);
    for (let changed = true; changed; ) {
      changed = false;
      for (const [a, b] of graph.edges)
        if (reachesOutput.has(b) && !reachesOutput.has(a)) {
          reachesOutput.add(a);
          changed = true;
        }
    }
    const dead = order.find((n) => !reachesOutput.has(n));
    if (dead !== undefined) err(`node '${dead}' (${typeOf(dead)}) does not lead to the Output '${outputs[0]}'`);

    const pos = new Map(order.map((n, i) => [n, i]));
    const now: number[][] = order.map(() => []);
    const previous: number[][] = order.map(() => []);
    const delayed: [string, string][] = [];
    for (const [a, b] of graph.edges) {
      const pa = pos.get(a)!;
      const pb = pos.get(b)!;
      if (pa < pb) now[pb]!.push(pa);
      else {
        previous[pb]!.push(pa);
        delayed.push([a, b]);
      }
    }
    const shapes: (readonly number[])[] = [];
    this.compiled = [];
    for (const [i, name] of order.entries()) {
      const node = graph.nodes[name]!;
      const bad = (what: string): never => {
        throw new SpikerepError('E_UNSUPPORTED', `node '${name}' (${node.type}): ${what}`, source);
      };
      let inShape: readonly number[];
      if (node.type === 'Input') inShape = node.shape;
      else {
        // every node but the Input has an edge from earlier in the order: the one that reached it first
        inShape = shapes[now[i]![0]!]!;
        for (const j of now[i]!)
          if (sizeOf(shapes[j]!) !== sizeOf(inShape))
            bad(
              `its inputs '${order[now[i]![0]!]}' ${fmt(inShape)} and '${order[j]}' ${fmt(shapes[j]!)} differ in size`,
            );
      }
      if (!inShape.every((d) => Number.isSafeInteger(d) && d >= 1)) bad(`shape ${fmt(inShape)} is not a valid shape`);
      const op = makeOp(node, inShape, { ...conventions, bad });
      if (node.type === 'Output' && sizeOf(node.shape) !== sizeOf(inShape))
        bad(`shape ${fmt(node.shape)} does not match its input ${fmt(inShape)}`);
      shapes.push(op.outShape);
      checkDeclaredSize(
        sizeOf(op.outShape) * 8,
        `node '${name}' (${node.type}): its activation ${fmt(op.outShape)}`,
        source,
      );
      this.compiled.push({
        name,
        type: node.type,
        op,
        size: sizeOf(op.outShape),
        now: now[i]!,
        previous: previous[i]!,
      });
    }
    for (const [i, c] of this.compiled.entries())
      for (const j of c.previous) {
        const inSize = c.now.length > 0 ? this.compiled[c.now[0]!]!.size : c.size;
        if (this.compiled[j]!.size !== inSize)
          err(
            `the recurrent edge '${order[j]}' → '${order[i]}' carries ${fmt(shapes[j]!)}, but '${order[i]}' takes ${inSize} values`,
          );
      }
    this.inputShape = (graph.nodes[inputs[0]!] as { shape: number[] }).shape;
    this.outputShape = shapes[pos.get(outputs[0]!)!]!;
    this.nodes = this.compiled.map((c, i) => ({
      name: c.name,
      type: c.type,
      shape: shapes[i]!,
      ...(c.op.rule === undefined ? {} : { rule: c.op.rule }),
    }));
    this.delayedEdges = delayed;
  }

  /**
   * Runs the graph on x of shape [T, B, …inputShape] (or [T, …inputShape] for one sample) and returns the
   * Output's value at every step, [T, B, …outputShape] ([T, …] for one sample), plus the traces `record` asks for.
   */
  run(x: ArrayLike<number>, xShape: readonly number[], record: NirRecord = 'none', what = 'input'): NirRunResult {
    const inN = sizeOf(this.inputShape);
    const single = xShape.length === this.inputShape.length + 1;
    const tail = xShape.slice(single ? 1 : 2);
    if (
      !(single || xShape.length === this.inputShape.length + 2) ||
      tail.join() !== this.inputShape.join() ||
      !(xShape[0]! >= 1) ||
      x.length !== sizeOf(xShape)
    )
      throw new SpikerepError(
        'E_SHAPE',
        `expected [T, B, ${this.inputShape.join(', ')}] or [T, ${this.inputShape.join(', ')}], got ${fmt(xShape)}`,
        what,
      );
    const T = xShape[0]!;
    const B = single ? 1 : xShape[1]!;
    const lead = single ? [T] : [T, B];
    const outN = sizeOf(this.outputShape);
    checkDeclaredSize(T * B * outN * 4, `the output ${fmt([...lead, ...this.outputShape])}`, what);
    const traces: { node: number; kind: 'output' | 'membrane'; data: Float32Array }[] = [];
    for (const [i, c] of this.compiled.entries()) {
      const spiking = c.op.spikes === true;
      if (record === 'all' || (record === 'spikes' && spiking)) traces.push({ node: i, kind: 'output', data: null! });
      if ((record === 'all' || record === 'membrane') && c.op.membrane !== undefined)
        traces.push({ node: i, kind: 'membrane', data: null! });
    }
    const traceBytes = traces.reduce((s, t) => s + T * B * this.compiled[t.node]!.size * 4, 0);
    checkDeclaredSize(traceBytes, `the recorded traces (${traces.length} of them)`, what);
    for (const t of traces) t.data = new Float32Array(T * B * this.compiled[t.node]!.size);

    const perStep = this.compiled.reduce((sum, c, i) => sum + B * (c.size * 2 + (i === 0 ? inN : this.inSize(i))), 0);
    checkDeclaredSize(perStep * 8, `the state of ${this.compiled.length} nodes for ${B} samples`, what);
    const outIdx = this.compiled.findIndex((c) => c.type === 'Output');
    const output = new Float32Array(T * B * outN);
    let cur = this.compiled.map((c) => new Float64Array(B * c.size));
    let prev = this.compiled.map((c) => new Float64Array(B * c.size));
    const inputs = this.compiled.map((_, i) => new Float64Array(B * (i === 0 ? inN : this.inSize(i))));
    for (const c of this.compiled) c.op.start?.(B);
    for (let t = 0; t < T; t++) {
      for (const [i, c] of this.compiled.entries()) {
        const xin = inputs[i]!;
        if (i === 0) for (let j = 0; j < B * inN; j++) xin[j] = x[t * B * inN + j]!;
        else {
          xin.fill(0);
          for (const j of c.now) add(xin, cur[j]!);
          for (const j of c.previous) add(xin, prev[j]!);
        }
        c.op.step(xin, cur[i]!, B);
      }
      output.set(cur[outIdx]!, t * B * outN);
      for (const tr of traces) {
        const c = this.compiled[tr.node]!;
        const src = tr.kind === 'output' ? cur[tr.node]! : c.op.membrane!();
        tr.data.set(src, t * B * c.size);
      }
      [prev, cur] = [cur, prev];
    }
    return {
      output,
      shape: [...lead, ...this.outputShape],
      traces: traces.map((tr) => ({
        node: this.compiled[tr.node]!.name,
        type: this.compiled[tr.node]!.type,
        kind: tr.kind,
        shape: [...lead, ...this.nodes[tr.node]!.shape],
        data: tr.data,
      })),
    };
  }

  /** The size of node i's summed input. */
  private inSize(i: number): number {
    const c = this.compiled[i]!;
    return c.now.length > 0 ? this.compiled[c.now[0]!]!.size : c.size;
  }
}

function add(into: Float64Array, x: Float64Array): void {
  for (let i = 0; i < into.length; i++) into[i]! += x[i]!;
}

/** Depth-first from `start`, children in edge order; iterative, so a long chain cannot overflow the stack. */
function reversePostOrder(start: string, out: ReadonlyMap<string, readonly string[]>): string[] {
  const post: string[] = [];
  const seen = new Set([start]);
  const stack: { node: string; next: number }[] = [{ node: start, next: 0 }];
  while (stack.length > 0) {
    const top = stack[stack.length - 1]!;
    const children = out.get(top.node)!;
    if (top.next < children.length) {
      const child = children[top.next++]!;
      if (!seen.has(child)) {
        seen.add(child);
        stack.push({ node: child, next: 0 });
      }
    } else {
      post.push(top.node);
      stack.pop();
    }
  }
  return post.reverse();
}
