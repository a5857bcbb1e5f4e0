/**
 * The checkpoint file's bytes (layout: checkpoint.ts), without Node APIs: the browser demo builds its checkpoint
 * download with the same code the CLI writes files with. The payload's SHA-256 comes from the caller (Node's
 * crypto; the browser's SubtleCrypto is asynchronous).
 */
export interface NamedArray {
  readonly name: string;
  readonly value: Float32Array;
}

export const CHECKPOINT_FORMAT = 1;
export const CHECKPOINT_MAGIC = 'SPKRCKPT';

export interface CheckpointHeader {
  format: number;
  meta: unknown;
  tensors: { name: string; offset: number; length: number }[];
  payloadBytes: number;
  sha256: string;
}

/** The tensors back to back as little-endian float32, and where each one starts (in values). */
export function checkpointPayload(tensors: readonly NamedArray[]): {
  entries: CheckpointHeader['tensors'];
  payload: Uint8Array;
} {
  let total = 0;
  const entries = tensors.map((t) => {
    const e = { name: t.name, offset: total, length: t.value.length };
    total += t.value.length;
    return e;
  });
  const values = new Float32Array(total);
  tensors.forEach((t, i) => values.set(t.value, entries[i]!.offset));
  return { entries, payload: new Uint8Array(values.buffer) };
}

/** Magic, header length and the JSON header: what precedes the payload. */
export function checkpointLead(
  meta: unknown,
  entries: CheckpointHeader['tensors'],
  payloadBytes: number,
  sha256: string,
): Uint8Array {
  const header: CheckpointHeader = { format: CHECKPOINT_FORMAT, meta, tensors: entries, payloadBytes, sha256 };
  const json = new TextEncoder().encode(JSON.stringify(header));
  const lead = new Uint8Array(12 + json.length);
  for (let i = 0; i < CHECKPOINT_MAGIC.length; i++) lead[i] = CHECKPOINT_MAGIC.charCodeAt(i);
  new DataView(lead.buffer).setUint32(8, json.length, true);
  lead.set(json, 12);
  return lead;
}
