// The real tools the deployment tests run: promtool (Debian package `prometheus`) and kubectl
// (its built-in kustomize). A developer machine without one skips those tests with the reason
// printed; under CI (CI set, as .ci/run's runner does) a missing tool is a failure, because CI
// installs them and a silent skip there would hide a broken check.
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';

const found = new Map<string, boolean>();

function available(tool: string): boolean {
  let ok = found.get(tool);
  if (ok === undefined) {
    ok = spawnSync(tool, ['--help'], { stdio: 'ignore' }).error === undefined;
    found.set(tool, ok);
  }
  return ok;
}

/** The `skip` option for a test that needs `tool`: a reason when it is absent outside CI, else false. */
export function skipWithout(tool: string, install: string): string | false {
  if (available(tool) || process.env.CI) return false;
  return `${tool} not found (${install}); CI runs this test`;
}

/** Runs a tool to completion; throws, naming the tool, when it is missing (under CI) or cannot start. */
export function run(tool: string, args: string[], opts: { input?: string; cwd?: string } = {}): SpawnSyncReturns<string> {
  const r = spawnSync(tool, args, { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024, ...opts });
  if (r.error) throw new Error(`${tool} ${args.join(' ')}: ${r.error.message}${available(tool) ? '' : ' (CI is set, so the tool is required)'}`);
  return r;
}

export const PROMTOOL = { tool: 'promtool', install: 'apt-get install prometheus' } as const;
export const KUBECTL = { tool: 'kubectl', install: 'https://kubernetes.io/docs/tasks/tools/' } as const;
