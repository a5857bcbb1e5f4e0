import type { Command } from 'commander';
import { reference } from '../kernels/reference/index.js';
import { startDemoServer } from '../serve/server.js';
import { int } from './options.js';

/** `spikerep serve --checkpoint C`: the browser demo on 127.0.0.1. */
export function addServeCommand(program: Command): void {
  program
    .command('serve')
    .description('serve the browser demo on 127.0.0.1: draw a digit, watch the trained SNN spike (runs in the browser)')
    .requiredOption('--checkpoint <file>', 'a checkpoint written by train (e.g. runs/mnist/best.ckpt)')
    .option('--port <n>', 'port (default 8080; 0 picks a free one)', (t: string) => int(t, '--port'), 8080)
    .option('--data-dir <dir>', 'folder with the dataset files (for the test images the page offers)')
    .action(async (flags: { checkpoint: string; port: number; dataDir?: string }) => {
      const { url } = await startDemoServer(reference, { checkpoint: flags.checkpoint, port: flags.port, dataDir: flags.dataDir });
      process.stdout.write(`spikerep demo at ${url} (Ctrl-C to stop)\n`);
      await new Promise(() => {}); // serve until interrupted
    });
}
