/**
 * Before the real-browser tests: a Chromium (found or installed) and a fresh
 * build of the drop-in script and the demo, exactly as `npm run build` makes them.
 */
import { execSync } from 'node:child_process';
import type { TestProject } from 'vitest/node';
import { ensureChromium } from './chromium';

declare module 'vitest' {
  export interface ProvidedContext {
    chromiumPath: string;
  }
}

export default function setup(project: TestProject): void {
  const chromiumPath = ensureChromium();
  // Vitest sets NODE_ENV=test, which Vite would carry into the bundle: build
  // exactly what `npm run build` ships.
  execSync('npm run -s build', { stdio: 'inherit', env: { ...process.env, NODE_ENV: 'production' } });
  project.provide('chromiumPath', chromiumPath);
}
