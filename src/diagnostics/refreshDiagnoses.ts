import type { BridgeContext } from '../context.js';
import type { FailureReason } from '../oauth/errors.js';
import { LIVE_REFRESH_TOKENS } from '../oauth/grants/refreshToken.js';
import type { Diagnosis, GrantRecord } from '../storage/records.js';
import { formatDuration, formatTime } from '../text/prose.js';
import { diagnosis } from './diagnosis.js';

const RELINK = 'The person must link again: disable and enable the skill in the Alexa app.';

/** Why a refresh was refused, and by what the link ended when it did. */
export function diagnoseRefreshFailure(
  context: BridgeContext,
  reason: FailureReason,
  grant: GrantRecord | undefined,
  clientId: string,
  requestedScope: string | undefined,
  /** The hash of the refresh token presented. */
  presentedTokenHash: string | undefined,
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
    case 'refresh_token_reused':
    case 'refresh_token_superseded': {
      const retired = grant!.retiredRefreshTokens.find((token) => token.hash === presentedTokenHash);
      if (!retired) return diagnosis(reason, 'A refresh token that had already been replaced was presented.', RELINK);
      const ownUse = retired.usedAt === undefined ? 'never used before' : `first used ${formatTime(retired.usedAt)}`;
      if (reason === 'refresh_token_superseded') {
        return diagnosis(
          reason,
          `Refresh token #${retired.seq} (issued ${formatTime(retired.issuedAt)}, ${ownUse}) was dropped unused at ${formatTime(retired.retiredAt)}: ${LIVE_REFRESH_TOKENS} newer refresh tokens of the linked account were live at once, which only many refreshes sent at the same time with one token cause. The link itself still works with the newest token.`,
          'Check whether something other than Alexa refreshes with the same token. If the client kept this one, the person must link again.',
        );
      }
      return diagnosis(
        reason,
        `Refresh token #${retired.seq} (issued ${formatTime(retired.issuedAt)}, ${ownUse}) was presented again at ${formatTime(now)}, after its successor #${retired.successorSeq} had been used at ${formatTime(retired.retiredAt)}. A client that got the successor never needs the older token again, so this is what a stolen or copied token looks like: the whole linked account was revoked (RFC 9700 §4.14.2).`,
        `${RELINK} If it repeats, look for a second holder of the skill's tokens (a copied backup, a test setup sharing the client).`,
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
