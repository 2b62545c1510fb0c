// A diagnosis's fix is a command the admin pastes into a shell (README: "runs as printed"). The
// client_id and username in it come from the request, so an attacker chose them: pasted, the
// command must pass them as one argument each and run nothing else. Checked with the real bash.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import type { BridgeContext } from '../src/context.ts';
import { LOCAL_CLI } from '../src/cliCommand.ts';
import { diagnoseSignInFailure, unknownClient } from '../src/diagnostics/authorizeDiagnoses.ts';

/** Valid client ids (VSCHAR) that a shell would act on. */
const HOSTILE_IDS = ['x;touch${IFS}/tmp/owned', '$(id)', '`id`', "a'b", 'a&&b', 'a>f', '*', '~root', 'a"$HOME"', "'';id"];
/** Ids no `client add` accepts: spaces, controls, bidi, an option's dash. */
const UNREGISTRABLE_IDS = ['x;touch /tmp/owned', 'a b|c', 'x\ny', 'alexa\u202E-skill', '-rf', ''];
const HOSTILE = [...HOSTILE_IDS, ...UNREGISTRABLE_IDS.filter((id) => id && !id.startsWith('-'))];

/** The arguments bash gives the printed command, run with printf in place of the CLI. */
function argumentsOf(fix: string): string[] {
  const start = fix.indexOf(LOCAL_CLI);
  assert.ok(start >= 0, fix);
  const command = fix.slice(start + LOCAL_CLI.length).replace(/\.$/, '').replace(/ \(or set .*$/, '');
  const out = execFileSync('bash', ['-c', `printf '%s\\0' ${command}`], { encoding: 'utf8', cwd: '/' });
  return out.split('\0').slice(0, -1);
}

function contextWith(ids: string[]): BridgeContext {
  return { store: { clients: new Map(ids.map((id) => [id, { id }])) } } as unknown as BridgeContext;
}

for (const registered of [[], ['alexa']]) {
  test(`an unknown client_id from the request is one shell argument in the fix (${registered.length} registered)`, () => {
    for (const clientId of HOSTILE_IDS) {
      const { fix } = unknownClient(contextWith(registered), clientId, 'The token request');
      assert.deepEqual(argumentsOf(fix), ['client', 'add', clientId, '--alexa-vendor-id', 'YOUR_VENDOR_ID'], fix);
    }
  });

  test(`a client_id no client add accepts is not offered for registering (${registered.length} registered)`, () => {
    for (const clientId of UNREGISTRABLE_IDS) {
      const { fix } = unknownClient(contextWith(registered), clientId, 'The token request');
      assert.ok(!fix.includes(clientId) || clientId === '', fix);
      if (registered.length) assert.match(fix, /this one cannot be registered: a client_id is 1-200 printable ASCII characters without spaces/);
      else assert.ok(fix.includes(`${LOCAL_CLI} client add alexa --alexa-vendor-id YOUR_VENDOR_ID,`), fix);
    }
  });
}

test('a username from the sign-in form that no user can have is in no command of the fix', () => {
  // Names user add accepts are letters, digits and . _ @ + -: see fix-command-username-read-as-option.test.ts.
  for (const username of HOSTILE) {
    const { fix } = diagnoseSignInFailure({ kind: 'invalid', username }, 'local');
    assert.ok(!fix.includes('user passwd') && !fix.includes(username), fix);
    assert.deepEqual(argumentsOf(fix.slice(fix.indexOf(LOCAL_CLI)).replace(/\).*$/, '')), ['user', 'list'], fix);
  }
});

test('plain ids stay unquoted, so the usual fix reads as before', () => {
  const { fix } = unknownClient(contextWith(['alexa']), 'alexa-skill', 'The token request');
  assert.ok(fix.includes(`${LOCAL_CLI} client add alexa-skill --alexa-vendor-id`), fix);
});
