// The sign-in failure's fix is a command the admin pastes (README: "runs as printed"), and the
// username in it is whatever was typed on the sign-in page. A local user may be named `-bob`
// (`user add` accepts a leading dash), and a typed name may hold what no `user add` accepts:
// `user passwd -bob --password-stdin` was read by the CLI as options, and a name with control
// characters or 1,200 characters was mangled or cut mid-quote by the flow record.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { LOCAL_CLI } from '../src/cliCommand.ts';
import { diagnoseSignInFailure } from '../src/diagnostics/authorizeDiagnoses.ts';
import { REPO_ROOT } from './helpers/daemon-process.ts';

/** The `node dist/cli.js …` command in a fix, without the sentence's final period. */
function commandIn(fix: string): string | undefined {
  const match = new RegExp(`${LOCAL_CLI.replaceAll('.', '\\.')} user passwd .*?(?=\\.$|$)`).exec(fix);
  return match?.[0];
}

test('the fix for a user whose name starts with a dash runs as printed and changes that user', async (t) => {
  const dataDir = await mkdtemp(join(tmpdir(), 'bridge-dash-user-'));
  t.after(() => rm(dataDir, { recursive: true, force: true }));
  const env = { ...process.env, BRIDGE_DATA_DIR: dataDir };
  execFileSync(process.execPath, ['dist/cli.js', 'user', 'add', '--password-stdin', '--', '-bob'], { cwd: REPO_ROOT, env, input: 'first-password' });
  for (const typed of ['-bob', ' -Bob ', '--data-dir=/tmp/elsewhere']) {
    const { fix } = diagnoseSignInFailure({ kind: 'invalid', username: typed }, 'local');
    const command = commandIn(fix);
    if (typed === '--data-dir=/tmp/elsewhere') {
      // No such user can exist (`user add` refuses `=` and `/`): no command to change its password.
      assert.equal(command, undefined, fix);
      assert.ok(fix.includes(`${LOCAL_CLI} user list`), fix);
      continue;
    }
    assert.ok(command, fix);
    const run = spawnSync('bash', ['-c', command], { cwd: REPO_ROOT, env, input: 'second-password', encoding: 'utf8' });
    assert.equal(run.status, 0, `${command}\n${run.stderr}`);
    assert.match(run.stdout, /-bob/, command);
  }
});

test('a typed name no user add accepts gets no command that would carry it mangled or cut', () => {
  for (const typed of ['a\u001b[2Kb', 'x\ny', 'alice\u202E', "a'b", 'a b', 'x'.repeat(1300), 'é'.repeat(65)]) {
    const { fix } = diagnoseSignInFailure({ kind: 'invalid', username: typed }, 'local');
    assert.equal(commandIn(fix), undefined, fix);
    assert.ok(fix.length < 300, fix);
    assert.ok(fix.includes(`${LOCAL_CLI} user list`), fix);
  }
});

test('a name user add accepts is offered normalized, as user add stored it', () => {
  const { fix } = diagnoseSignInFailure({ kind: 'invalid', username: ' Alice ' }, 'local');
  assert.equal(commandIn(fix), `${LOCAL_CLI} user passwd --password-stdin alice`);
});
