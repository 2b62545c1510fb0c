import type { Middleware } from 'koa';
import type { BridgeContext } from '../../context.js';

/** RFC 8414 §2: what this server supports, with every URL built from the configured issuer. */
export function metadataRoute(context: BridgeContext): Middleware {
  const issuer = context.config.publicUrl;
  return async (ctx) => {
    const scopes = new Set<string>();
    for (const client of context.store.clients.values()) for (const scope of client.scopes) scopes.add(scope);
    ctx.set('Cache-Control', 'public, max-age=300');
    ctx.body = {
      issuer,
      authorization_endpoint: `${issuer}/alexa/authorize`,
      token_endpoint: `${issuer}/alexa/token`,
      revocation_endpoint: `${issuer}/alexa/revoke`,
      introspection_endpoint: `${issuer}/alexa/introspect`,
      response_types_supported: ['code'],
      response_modes_supported: ['query'],
      grant_types_supported: ['authorization_code', 'refresh_token'],
      code_challenge_methods_supported: ['S256'],
      token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'none'],
      revocation_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'none'],
      introspection_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
      scopes_supported: [...scopes].sort(),
      // RFC 9207 §3.
      authorization_response_iss_parameter_supported: true,
    };
  };
}
