/**
 * Whether a Content-Security-Policy refuses `blob:` workers. When the page's
 * policy refuses the worker started from the script's URL, the violation's
 * `originalPolicy` says whether a `blob:` worker would be refused as well:
 * then the agent does not try it (spawn-worker.ts), which would only send the
 * site's report endpoint a second violation.
 */

/** The directives a worker's URL is checked against, first present wins (CSP3). */
const WORKER_DIRECTIVES = ['worker-src', 'child-src', 'script-src', 'default-src'];

/** True when `policy` (one policy's text) refuses a `blob:` worker. */
export function policyRefusesBlobWorkers(policy: string): boolean {
  const directives = new Map<string, string[]>();
  for (const part of policy.split(';')) {
    const [name, ...sources] = part.trim().split(/\s+/);
    const key = name?.toLowerCase();
    if (key && !directives.has(key)) directives.set(key, sources.map((s) => s.toLowerCase()));
  }
  for (const name of WORKER_DIRECTIVES) {
    const sources = directives.get(name);
    if (!sources) continue;
    // 'strict-dynamic' changes what a script-src allows: too subtle to judge here, so blob: is tried.
    return !sources.includes('blob:') && !sources.includes("'strict-dynamic'");
  }
  return false;
}
