// End-to-end tests drive real programs; where one is missing they skip and say why, except
// under CI (.ci/run), where scripts/setup.sh --test has installed them and a skip would hide
// a broken setup.
import { spawnSync } from 'node:child_process';

/** Why the tests cannot run (the tools not on PATH), or undefined; under CI this throws. */
export function missingTools(tools: string[], installedBy = 'scripts/setup.sh --test installs them'): string | undefined {
  const absent = tools.filter((tool) => spawnSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' }).status !== 0);
  if (absent.length === 0) return undefined;
  const reason = `${absent.join(', ')} not installed (${installedBy})`;
  if (process.env.CI || process.env.OCEANOS_REQUIRE_PG) throw new Error(reason);
  return reason;
}
