// `node --import ./test/support/module-trace.mjs …` appends the URL of every module the process loads to the
// file named by SPIKEREP_MODULE_TRACE: how a test sees what a command loads without timing it.
import { register } from 'node:module';

if (process.env.SPIKEREP_MODULE_TRACE)
  register('./module-trace-hooks.mjs', import.meta.url, { data: { out: process.env.SPIKEREP_MODULE_TRACE } });
