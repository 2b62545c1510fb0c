// After `client rotate-secret` of a backend client (the skill's service that introspects), doctor
// and the command itself said to save the new secret "in the Alexa console", where a backend's
// secret never goes; the admin page already said "into the backend".
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { BridgeContext } from '../src/context.ts';
import { checkClients } from '../src/doctor/setupChecks.ts';
import type { ClientRecord } from '../src/storage/records.ts';

const NOW = Date.parse('2026-11-30T08:00:00Z');

function contextWith(clients: ClientRecord[]): BridgeContext {
  return { clock: () => NOW, store: { clients: new Map(clients.map((client) => [client.id, client])) } } as unknown as BridgeContext;
}

const base = { redirectUris: [], scopes: [], source: 'cli', createdAt: NOW, updatedAt: NOW, secretHash: 'h', previousSecret: { hash: 'o', until: NOW + 3600_000 } } as const;

test("doctor's fix for a rotated backend secret points at the backend, an Alexa client's at the Alexa console", () => {
  const checks = checkClients(
    contextWith([
      { ...base, id: 'alexa', name: 'alexa', redirectUris: ['https://pitangui.amazon.com/api/skill/link/M2ABCDEFGHIJ3K'], scopes: ['alexa'] } as unknown as ClientRecord,
      { ...base, id: 'ma-backend', name: 'ma', backendFor: ['alexa'] } as unknown as ClientRecord,
    ]),
  );
  const fixOf = (id: string) => checks.find((check) => check.id === `secret-overlap:${id}`)?.fix ?? '';
  assert.match(fixOf('ma-backend'), /saved in the backend/);
  assert.doesNotMatch(fixOf('ma-backend'), /Alexa console/);
  assert.match(fixOf('alexa'), /saved in the Alexa console/);
});
