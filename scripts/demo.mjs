// `pnpm demo`: builds what the demo needs without a word on success, then runs it, so the first
// thing printed is the demo's trace. A failed build prints its log and the demo does not run.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const env = { ...process.env, TURBO_TELEMETRY_DISABLED: '1', DO_NOT_TRACK: '1' };
const build = spawnSync('turbo', ['run', 'build', '--filter=@kmodsim/rmmod...', '--output-logs=errors-only', '--log-prefix=none'], {
  env,
  encoding: 'utf8',
  shell: process.platform === 'win32',
});
if (build.status !== 0) {
  process.stderr.write(`${build.stdout ?? ''}${build.stderr ?? ''}${build.error?.message ?? ''}\npnpm demo: the build failed (above)\n`);
  process.exit(build.status ?? 1);
}

const manifest = createRequire(import.meta.url).resolve('@kmodsim/rmmod/package.json');
const bin = JSON.parse(readFileSync(manifest, 'utf8')).bin.kmodsim;
const demo = spawnSync(process.execPath, [join(dirname(manifest), bin), 'demo', ...process.argv.slice(2)], { stdio: 'inherit' });
process.exit(demo.status ?? 1);
