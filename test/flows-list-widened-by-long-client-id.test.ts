// `flows` prints one aligned table. The client_id and username in it come from requests, so one
// authorization request naming a 180-character client_id (an attacker's, or a garbled console
// paste) widened the CLIENT column of every row, pushing each attempt's status and diagnosis past
// the edge of the operator's terminal. The list now cuts such a cell; `flows show` prints it whole.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatFlowDetail, formatFlowList } from '../src/cli/diagnosticsOutput.ts';
import type { AttemptDetail, AttemptSummary } from '../src/diagnostics/attemptViews.ts';

function summary(flowId: string, clientId: string, username: string | null): AttemptSummary {
  return {
    flow_id: flowId,
    started_at: '2026-11-30T07:56:18.000Z',
    client_id: clientId,
    username,
    reached: 'request',
    status: 'failed',
    stopped_at: 'request',
    cause: 'unknown client',
    fix: null,
    timeline: [],
  };
}

test('a long client_id or username from a request does not widen the other rows of flows', () => {
  const longId = 'z'.repeat(180);
  const longUser = 'W'.repeat(120);
  const lines = formatFlowList([summary('f1', 'alexa', 'alice'), summary('f2', longId, longUser)]).split('\n');
  const statusAt = lines[0]!.indexOf('STATUS');
  assert.ok(statusAt > 0 && statusAt < 110, lines[0]);
  assert.equal(lines[1]!.indexOf('failed'), statusAt, lines[1]);
  assert.equal(lines[2]!.indexOf('failed'), statusAt, lines[2]);
  assert.match(lines[2]!, /z…/);
  assert.match(lines[2]!, /W…/);
});

test('flows show prints the long client_id whole', () => {
  const longId = 'z'.repeat(180);
  const detail: AttemptDetail = { ...summary('f2', longId, null), redirect_uri: null, scope: null, pkce: null, grant_id: null, steps: [], steps_dropped: 0 };
  assert.ok(formatFlowDetail(detail).includes(longId));
});
