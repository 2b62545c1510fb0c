import type { BridgeContext } from '../context.js';
import type { AuthorizeRequest } from './authorizeRequest.js';
import { hashSecret, newOpaqueToken } from './secrets.js';

/** Issues a one-time authorization code, on disk before it is returned (RFC 6749 §4.1.2). */
export async function issueCode(context: BridgeContext, request: AuthorizeRequest, username: string, flowId?: string): Promise<string> {
  const code = newOpaqueToken();
  const now = context.clock();
  context.store.codes.put({
    hash: hashSecret(code),
    clientId: request.client.id,
    redirectUri: request.redirectUri,
    username,
    scope: request.scope,
    ...(request.codeChallenge ? { codeChallenge: request.codeChallenge } : {}),
    issuedAt: now,
    expiresAt: now + context.config.codeTtl * 1000,
    ...(flowId ? { flowId } : {}),
  });
  await context.store.commit(context.store.codes);
  return code;
}
