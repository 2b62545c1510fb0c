// An unknown client_id's fix told the operator to make the Alexa console's Client ID "exactly one
// of" the registered clients, backend clients included, and a near miss could name one. A backend
// client cannot link (its client_id on /alexa/authorize gets an error page, the token endpoint
// answers unauthorized_client), so following that fix breaks linking another way.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { BridgeContext } from '../src/context.ts';
import { unknownClient } from '../src/diagnostics/authorizeDiagnoses.ts';

function contextWith(clients: { id: string; backendFor?: string[] }[]): BridgeContext {
  return { store: { clients: new Map(clients.map((client) => [client.id, client])) } } as unknown as BridgeContext;
}

test('the fix for an unknown client_id never offers a backend client as the Client ID', () => {
  const context = contextWith([{ id: 'alexa' }, { id: 'ma-backend', backendFor: ['alexa'] }]);
  for (const typed of ['alexa-skill', 'MA-Backend', 'ma-backend ']) {
    const { cause, fix } = unknownClient(context, typed, 'The authorization request');
    assert.ok(!fix.includes('ma-backend'), fix);
    assert.ok(fix.includes('exactly alexa') || fix.includes('exactly one of alexa'), fix);
    assert.ok(!cause.includes('differs only'), cause);
  }
});

test('with only backend clients registered, the fix says to register one that can link', () => {
  const { cause, fix } = unknownClient(contextWith([{ id: 'ma-backend', backendFor: ['alexa'] }]), 'alexa', 'The token request');
  assert.match(cause, /no client that can link accounts is registered/);
  assert.equal(fix, 'Register it: node dist/cli.js client add alexa --alexa-vendor-id YOUR_VENDOR_ID (or set client_id in the add-on\'s options).');
});
