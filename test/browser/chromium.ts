/**
 * Finds a Chromium for the real-browser tests and the bench: CHROMIUM_PATH,
 * then `chromium` (and its usual names) on the PATH, then an installed
 * Chrome. Where none is found and this is Debian or Ubuntu as root, installs
 * Debian's chromium with apt-get. Otherwise fails, saying how to get one:
 * a real-browser test never skips silently.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const NAMES = ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable', 'chrome'];
const PATHS = [
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome',
  '/opt/google/chrome/chrome',
  '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
  '/Applications/Chromium.app/Contents/MacOS/Chromium',
];

/** Flags for headless Chromium on a closed network (without them it stalls on background fetches). */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];

export function findChromium(): string | null {
  const env = process.env['CHROMIUM_PATH'];
  if (env) {
    if (existsSync(env)) return env;
    throw new Error(`CHROMIUM_PATH is set to ${env}, which does not exist`);
  }
  for (const name of NAMES) {
    const r = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
    const path = r.stdout.trim();
    if (r.status === 0 && path) return path;
  }
  return PATHS.find((p) => existsSync(p)) ?? null;
}

export function ensureChromium(log: (s: string) => void = console.log): string {
  const found = findChromium();
  if (found) return found;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const hasApt = spawnSync('sh', ['-c', 'command -v apt-get'], { encoding: 'utf8' }).status === 0;
  if (process.platform === 'linux' && isRoot && hasApt) {
    log('chromium: none found; installing Debian chromium with apt-get (once per machine)…');
    execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit' });
    execFileSync('apt-get', ['install', '-y', '-qq', 'chromium'], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
    const installed = findChromium();
    if (installed) return installed;
  }
  throw new Error(
    'No Chromium found for the real-browser tests. Install one and run again:\n' +
      '  Debian/Ubuntu: sudo apt-get update && sudo apt-get install -y chromium\n' +
      '  macOS: install Google Chrome\n' +
      'or point CHROMIUM_PATH at a Chromium or Chrome binary.',
  );
}
