import type { BridgeContext } from '../context.js';
import type { FailureReason } from '../oauth/errors.js';
import type { Diagnosis, GrantRecord } from '../storage/records.js';
import { formatDuration, formatTime } from '../text/prose.js';
import { diagnosis } from './wording.js';

const RELINK = 'The person must link again: disable and enable the skill in the Alexa app.';

/** Why a refresh was refused, and by what the link ended when it did. */
export function diagnoseRefreshFailure(
  context: BridgeContext,
  reason: FailureReason,
  grant: GrantRecord | undefined,
  clientId: string,
  requestedScope: string | undefined,
): Diagnosis {
  const now = context.clock();
  switch (reason) {
    case 'refresh_token_unknown':
      return diagnosis(
        'refresh_token_unknown',
        'The refresh token is not known here: this bridge never issued it, or its linked account ended more than 30 days ago and was purged, or the data dir was restored from an older backup.',
        RELINK,
      );
    case 'refresh_token_client_mismatch':
      return diagnosis(
        'refresh_token_client_mismatch',
        `The refresh token belongs to client ${grant!.clientId}, but client ${clientId} presented it.`,
        'Use the same Client ID for linking and refreshing.',
      );
    case 'refresh_token_revoked':
      return diagnosis(
        'refresh_token_revoked',
        `The linked account was revoked ${formatDuration(now - grant!.revokedAt!)} earlier (${formatTime(grant!.revokedAt!)}): ${grant!.revokedReason ?? 'no reason was recorded'}.`,
        RELINK,
      );
    case 'refresh_token_expired': {
      const idleSince = grant!.lastRefreshAt ?? grant!.createdAt;
      return diagnosis(
        'refresh_token_expired',
        `The refresh token expired: the linked account was idle since ${formatTime(idleSince)}, longer than refresh_token_ttl (${formatDuration(context.config.refreshTokenTtl * 1000)}). Alexa refreshes only when the skill is used.`,
        `${RELINK} To keep rarely used links alive, raise refresh_token_ttl.`,
      );
    }
    case 'refresh_token_reused': {
      const retired = grant!.retiredRefreshTokens[0];
      return diagnosis(
        'refresh_token_reused',
        `A refresh token that had already been replaced was used again${retired ? ` (the last rotation was ${formatTime(retired.rotatedAt)})` : ''}, after the ${context.config.refreshGrace} s grace for retries. That is what a stolen token looks like, so the whole linked account was revoked. Usually two refreshes raced, or an answer carrying the new token was lost.`,
        `${RELINK} If it repeats, raise refresh_grace and check the reverse proxy for dropped responses.`,
      );
    }
    default:
      return diagnosis(
        'scope_not_granted',
        `The refresh asked for scope “${requestedScope ?? ''}”, more than the linked account was granted (${grant?.scope ?? 'unknown'}).`,
        'Leave scope out of refresh requests, or ask only for granted scopes.',
      );
  }
}
