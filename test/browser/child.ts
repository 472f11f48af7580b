/** Child processes for the tests that run npm and Vite as a user would. */
import { spawnSync } from 'node:child_process';

/**
 * The environment for child npm/npx: without the lowercase `npm_*` variables
 * that an enclosing `npm run` exports (npm_config_local_prefix,
 * npm_package_json, ... name this repository; the child npm reads its own
 * config files again), keeping a user's own upper-case NPM_CONFIG_* (a
 * registry mirror, a proxy); and without Vitest's NODE_ENV=test (Vite would
 * carry it into the bundle).
 */
export function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('npm_') && k !== 'NODE_ENV') env[k] = v;
  return { ...env, ...extra };
}

export interface Run {
  status: number | null;
  stdout: string;
  /** stdout and stderr, for messages. */
  output: string;
}

export function run(cmd: string, args: string[], cwd: string, timeout = 60_000, env = childEnv()): Run {
  const r = spawnSync(cmd, args, { cwd, env, encoding: 'utf8', timeout, maxBuffer: 64 * 1024 * 1024 });
  const why = r.error ? `\n(${r.error.message}${r.signal ? `, ${r.signal}` : ''})` : '';
  return { status: r.status, stdout: r.stdout ?? '', output: `${r.stdout ?? ''}${r.stderr ?? ''}${why}` };
}

/** Runs a command that must succeed and returns its stdout; otherwise fails the test with the command's own output. */
export function must(what: string, cmd: string, args: string[], cwd: string, timeout?: number, env?: NodeJS.ProcessEnv): string {
  const r = run(cmd, args, cwd, timeout, env);
  if (r.status !== 0) throw new Error(`${what} failed (\`${cmd} ${args.join(' ')}\` in ${cwd}, exit ${r.status}):\n${r.output}`);
  return r.stdout;
}

