/** Runs the CLI in this process through main(argv, io), collecting what it prints: no child process, no build. */
import { main } from '../../src/cli/main.js';

export interface Ran {
  code: number;
  out: string;
  err: string;
}

export async function runCli(argv: readonly string[]): Promise<Ran> {
  let out = '';
  let err = '';
  const code = await main(argv, {
    out: (t) => {
      out += t;
    },
    err: (t) => {
      err += t;
    },
  });
  return { code, out, err };
}
