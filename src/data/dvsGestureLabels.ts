/**
 * DVS128 Gesture's per-recording label files (`userNN_<lighting>_labels.csv`): a header line
 * "class,startTime_usec,endTime_usec", then one line per gesture performed: its class 1–11 and the [start, end)
 * window of the recording's timestamps in µs.
 */
import { SpikerepError } from '../errors.js';

export interface GestureWindow {
  /** 0-based: the file's class − 1. */
  readonly label: number;
  readonly start: number;
  readonly end: number;
}

export const GESTURE_CLASSES = [
  'hand clap',
  'right hand wave',
  'left hand wave',
  'right arm clockwise',
  'right arm counter-clockwise',
  'left arm clockwise',
  'left arm counter-clockwise',
  'arm roll',
  'air drums',
  'air guitar',
  'other gestures',
] as const;

export function parseGestureLabels(text: string, path: string): GestureWindow[] {
  const out: GestureWindow[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || (i === 0 && /^[A-Za-z]/.test(line))) return; // the header, blank lines
    const fields = line.split(',').map((f) => f.trim());
    const nums = fields.map(Number);
    const bad = (why: string): never => {
      throw new SpikerepError('E_FORMAT', `line ${i + 1} ${JSON.stringify(line)}: ${why}`, path);
    };
    if (fields.length !== 3 || !nums.every((v, k) => fields[k] !== '' && Number.isSafeInteger(v)))
      bad('expected three integers: class, start µs, end µs');
    const [cls, start, end] = nums as [number, number, number];
    if (cls < 1 || cls > GESTURE_CLASSES.length) bad(`class ${cls} is not one of 1…${GESTURE_CLASSES.length}`);
    if (!(start >= 0 && end > start)) bad(`the window [${start}, ${end}) is empty or negative`);
    out.push({ label: cls - 1, start, end });
  });
  if (out.length === 0) throw new SpikerepError('E_FORMAT', 'no gesture windows in the label file', path);
  return out;
}
