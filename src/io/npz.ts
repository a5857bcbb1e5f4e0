/**
 * NumPy's .npz: a zip archive of .npy files, one per array, named `<key>.npy` (np.savez stores them, np.savez_compressed
 * deflates them). Read with yauzl, which checks names and sizes; each array's declared size is checked against the
 * memory budget before it is inflated, then parsed by npy.ts.
 */
import { openPromise as openZip } from 'yauzl';
import { SpikerepError } from '../errors.js';
import { checkDeclaredSize } from '../memory-budget.js';
import { type NpyArray, parseNpy } from './npy.js';

/** The archive's arrays by key (the entry name without `.npy`). */
export async function readNpz(path: string): Promise<Map<string, NpyArray>> {
  let zip: Awaited<ReturnType<typeof openZip>>;
  try {
    zip = await openZip(path, { lazyEntries: true, validateEntrySizes: true });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new SpikerepError('E_NOT_FOUND', '.npz file not found', path);
    throw new SpikerepError('E_FORMAT', `not a readable .npz (zip) file (${(e as Error).message})`, path);
  }
  const out = new Map<string, NpyArray>();
  try {
    for await (const entry of zip.eachEntry()) {
      if (entry.fileName.endsWith('/') || !entry.fileName.endsWith('.npy')) continue;
      const key = entry.fileName.slice(0, -4);
      checkDeclaredSize(entry.uncompressedSize, `array '${key}'`, path);
      const chunks: Buffer[] = [];
      for await (const chunk of await zip.openReadStreamPromise(entry)) chunks.push(chunk as Buffer);
      out.set(key, parseNpy(new Uint8Array(Buffer.concat(chunks)), `${path}[${key}]`));
    }
  } catch (e) {
    if (e instanceof SpikerepError) throw e;
    throw new SpikerepError('E_FORMAT', `damaged .npz file (${(e as Error).message})`, path);
  } finally {
    zip.close();
  }
  return out;
}
