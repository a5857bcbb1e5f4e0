/** Debian chromium through playwright-core: headless, without sandbox, GPU or background traffic, on a fresh profile. */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium } from 'playwright-core';

export const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));

/** Where screenshots go: a git-ignored folder kept as a test artefact. */
export const ARTEFACTS = join(process.cwd(), 'test-artifacts');

/**
 * `webgpu`: instead of --disable-gpu, --enable-unsafe-webgpu, which gives headless Chromium its SwiftShader WebGPU
 * adapter (a fallback adapter; scripts/webgpu-chromium-probe.ts lists what was tried).
 */
export async function launch(
  o: { webgpu?: boolean } = {},
): Promise<{ context: BrowserContext; close: () => Promise<void> }> {
  if (CHROMIUM === undefined) throw new Error('chromium not found: apt-get install -y chromium');
  mkdirSync(ARTEFACTS, { recursive: true });
  const profile = mkdtempSync(join(tmpdir(), 'spikerep-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      o.webgpu === true ? '--enable-unsafe-webgpu' : '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    viewport: { width: 1200, height: 900 },
  });
  return {
    context,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Browser tests skip where chromium is missing (a dev machine), except in CI where .ci/run installs it. */
export const SKIP: string | false =
  CHROMIUM === undefined && process.env['CI'] === undefined
    ? 'chromium not installed (apt-get install -y chromium)'
    : false;
