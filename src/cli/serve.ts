import { reference } from '../kernels/reference/index.js';
import { startDemoServer } from '../serve/server.js';
import { resolveCheckpoint } from './checkpoint-arg.js';
import { type CommandRun, SERVE_OPTIONS } from './command-options.js';
import { parseOptions } from './options.js';

/** `spikerep serve --checkpoint C`: the browser demo on 127.0.0.1. */
export async function run({ values, io }: CommandRun): Promise<void> {
  const o = parseOptions(SERVE_OPTIONS, values);
  const { url } = await startDemoServer(reference, {
    checkpoint: resolveCheckpoint(o.checkpoint, o.last),
    port: o.port,
    dataDir: o.dataDir,
    // a failed accept (e.g. out of file descriptors) is reported and the server keeps serving
    onError: (e) => io.err(`spikerep: serve: ${e.message.split('\n')[0]}\n`),
  });
  io.out(`spikerep demo at ${url} (Ctrl-C to stop)\n`);
  await new Promise(() => {}); // serve until interrupted
}
