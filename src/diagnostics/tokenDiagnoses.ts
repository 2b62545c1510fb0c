import type { BridgeContext } from '../context.js';
import type { FailureReason, OAuthError } from '../oauth/errors.js';
import type { AuthorizationShape, ClientRequestFacts } from '../oauth/facts.js';
import { verifierMatches } from '../oauth/pkce.js';
import { explainMalformedVerifier, explainVerifierMismatch } from '../oauth/pkceMistakes.js';
import { redirectUriDifferences } from '../oauth/redirectUriDifferences.js';
import type { CodeRecord, Diagnosis } from '../storage/records.js';
import { formatDuration, formatTime, listOf } from '../text/prose.js';
import { unknownClient } from './authorizeDiagnoses.js';
import { diagnoseRefreshFailure } from './refreshDiagnoses.js';
import { explainWrongSecret } from './secretMistakes.js';
import { diagnosis } from './diagnosis.js';
import { LOCAL_CLI, shellWord } from '../cliCommand.js';

/** A clock difference worth mentioning: codes live minutes, so a minute matters. */
const SKEW_WORTH_SAYING_MS = 60_000;

/**
 * Why the token endpoint refused a request: from the failed check and what the core established
 * (`facts`). `steadyAgeMs` is how long ago the code was issued by this process's steady clock,
 * when it knows.
 */
export function diagnoseTokenFailure(context: BridgeContext, error: OAuthError, facts: ClientRequestFacts, steadyAgeMs: number | undefined): Diagnosis {
  const { code } = facts;
  switch (error.reason) {
    case 'unknown_client':
    case 'wrong_client_secret':
    case 'client_secret_missing':
    case 'client_auth_missing':
    case 'client_auth_malformed':
    case 'client_auth_conflict':
      return diagnoseClientAuthentication(context, error.reason, facts);
    case 'code_unknown':
      return diagnosis(
        'code_unknown',
        'The code is not known here: it was never issued by this bridge, or it was purged a day after it expired, or the data dir was replaced between the sign-in and the exchange.',
        `Link again. If it repeats, check that the Authorization URI and the Access Token URI in the Alexa console both point to this server (${context.config.publicUrl}).`,
      );
    case 'code_client_mismatch':
      return diagnosis(
        'code_client_mismatch',
        `The client_id differs between the two steps: the authorization request was made by client ${code!.clientId}, the token request by ${facts.clientId ?? '(none)'}.`,
        'Use one Client ID for the whole skill: the one in the Authorization URI’s client_id and in the Alexa console’s Client ID field must be the same registered client.',
      );
    case 'redirect_uri_missing':
      return diagnosis(
        'redirect_uri_missing',
        `The token request has no redirect_uri, but the authorization request had ${code!.redirectUri}; RFC 6749 §4.1.3 requires the same value again.`,
        'Send redirect_uri in the token request, exactly as in the authorization request.',
      );
    case 'redirect_uri_mismatch': {
      const presented = facts.redirectUri ?? '';
      const differences = redirectUriDifferences(presented, code!.redirectUri, 'the authorization request’s');
      return diagnosis(
        'redirect_uri_mismatch',
        `The token request's redirect_uri ${presented} differs from the authorization request's ${code!.redirectUri}: ${listOf(differences)}.`,
        'Send exactly the authorization request’s redirect_uri; Alexa does so itself, so a difference means something between Amazon and the bridge rewrites it.',
      );
    }
    case 'pkce_verifier_missing':
      return diagnosis(
        'pkce_verifier_missing',
        'The authorization request had a code_challenge, but the token request has no code_verifier.',
        'Send the code_verifier whose SHA-256 made the code_challenge.',
      );
    case 'pkce_verifier_unexpected':
      return diagnosis(
        'pkce_verifier_unexpected',
        'The token request has a code_verifier, but the authorization request had no code_challenge; this is refused as a PKCE downgrade.',
        'Send code_challenge and code_challenge_method=S256 in the authorization request, or leave code_verifier out of the token request.',
      );
    case 'pkce_verifier_malformed':
      return diagnosis(
        'pkce_verifier_malformed',
        `The code_verifier is malformed: ${explainMalformedVerifier(facts.codeVerifier ?? '')}.`,
        'Make the verifier 43-128 characters of base64url without padding (RFC 7636 §4.1).',
      );
    case 'pkce_mismatch':
      return diagnosePkceMismatch(context, facts.codeVerifier ?? '', code!);
    case 'code_reused':
      return codeReused(context, code!);
    case 'code_expired':
      return diagnoseCodeExpired(context, code!, facts.clientDate, steadyAgeMs);
    case 'refresh_token_unknown':
    case 'refresh_token_client_mismatch':
    case 'refresh_token_revoked':
    case 'refresh_token_expired':
    case 'refresh_token_reused':
    case 'refresh_token_superseded':
    case 'scope_not_granted':
      return diagnoseRefreshFailure(context, error.reason, facts.grant, facts.clientId ?? '(none)', facts.requestedScope, facts.tokenHash);
    default:
      return diagnosis(
        error.reason ?? error.code,
        `The token endpoint answered ${error.status} ${error.code}: ${error.description}${error.detail ? ` (${error.detail})` : ''}.`,
        error.status === 429 || error.status === 503 ? 'Nothing to change if it passes; the client retries.' : 'Compare the client’s token request with RFC 6749 §4.1.3 and §6.',
      );
  }
}

type ClientAuthFailure = Extract<FailureReason, 'unknown_client' | 'wrong_client_secret' | 'client_secret_missing' | 'client_auth_missing' | 'client_auth_malformed' | 'client_auth_conflict'>;

function diagnoseClientAuthentication(context: BridgeContext, reason: ClientAuthFailure, facts: ClientRequestFacts): Diagnosis {
  const { code } = facts;
  const scheme = facts.authMethod === 'client_secret_basic' ? 'HTTP Basic' : 'the form body (client_secret_post)';
  const clientId = facts.clientId ?? '(none)';
  const proxyNote =
    'If the Alexa console has “Your Secret” set and the scheme HTTP Basic, the reverse proxy is probably dropping the Authorization header.';
  switch (reason) {
    case 'unknown_client': {
      const found = unknownClient(context, clientId, 'The token request');
      if (!code || code.clientId === clientId) return found;
      return diagnosis(
        'client_id_mismatch',
        `The client_id differs between the two steps: the authorization request was made by client ${code.clientId}, the token request names ${clientId}, which is not registered.`,
        `Use one Client ID for the whole skill: set the Alexa console's Client ID to ${code.clientId}.`,
      );
    }
    case 'wrong_client_secret': {
      const client = context.store.clients.get(clientId);
      if (!client) return unknownClient(context, clientId, 'The token request');
      const why = explainWrongSecret(facts.presentedSecret ?? '', client, context.store.clients.values());
      const changed = client.updatedAt > client.createdAt ? ` The registered secret was last changed ${formatTime(client.updatedAt)}.` : '';
      return diagnosis(
        'wrong_client_secret',
        `Client ${clientId} sent a wrong secret in ${scheme}${why ? `: ${why}` : ''}.${changed}`,
        client.source === 'config'
          ? 'Make client_secret in the add-on’s options and “Your Secret” in the Alexa console the same string.'
          : client.public
            ? `Make the client confidential, keeping every link, and paste the secret it prints into the Alexa console’s “Your Secret” field: ${LOCAL_CLI} client update ${shellWord(clientId)} --confidential (or add --secret with the one already there).`
            : `Paste the secret into the Alexa console’s “Your Secret” field again, or make a new one (${LOCAL_CLI} client rotate-secret ${shellWord(clientId)}) and paste that.`,
      );
    }
    case 'client_secret_missing':
      return diagnosis(
        'client_secret_missing',
        `Client ${clientId} is confidential, but the token request carries no secret: no Authorization header and no client_secret in the body.`,
        `Set “Your Secret” in the Alexa console. ${proxyNote}`,
      );
    case 'client_auth_missing':
      return diagnosis(
        'client_auth_missing',
        'The token request names no client: no Authorization header and no client_id in the body.',
        `Set “Your Client ID” and “Your Secret” in the Alexa console. ${proxyNote}`,
      );
    case 'client_auth_malformed':
      return diagnosis(
        'client_auth_malformed',
        `The Authorization header is not HTTP Basic as RFC 6749 §2.3.1 wants it: ${AUTHORIZATION_SHAPES[facts.authorizationShape ?? 'other-scheme']}.`,
        'Choose “HTTP Basic” as the Client Authentication Scheme in the Alexa console, or send client_id and client_secret in the body instead.',
      );
    case 'client_auth_conflict':
      return diagnosis(
        'client_auth_conflict',
        facts.bodyClientId === undefined
          ? 'The token request sends the client secret twice: in the Authorization header and as client_secret in the body.'
          : `The client_id in the body (${facts.bodyClientId}) differs from the one in the Authorization header (${clientId}).`,
        'Use one Client Authentication Scheme: HTTP Basic, or credentials in the request body.',
      );
  }
}

/** A malformed Authorization header, described by its shape: its content is a credential and is never quoted. */
const AUTHORIZATION_SHAPES: Readonly<Record<AuthorizationShape, string>> = {
  'other-scheme': 'it does not start with the Basic scheme',
  'basic-without-value': 'it says Basic and nothing after it',
  'basic-without-space': 'Basic is followed by the credentials without a space between them',
  'basic-with-tab': 'Basic is followed by a tab; RFC 7617 wants a space',
  'plain-id-secret': 'the id:secret pair is not base64-encoded',
  'not-base64': 'the value after Basic is not base64',
  'no-colon': 'its base64 value does not decode to id:secret',
};

function diagnosePkceMismatch(context: BridgeContext, verifier: string, code: CodeRecord): Diagnosis {
  const mistake = explainVerifierMismatch(verifier, code.codeChallenge!);
  if (mistake) {
    return diagnosis('pkce_mismatch', `The code_verifier does not match the code_challenge: ${mistake}.`, 'Compute code_challenge = BASE64URL(SHA-256(code_verifier)) without padding, and send that same verifier.');
  }
  const other = [...context.store.codes.values()].find(
    (candidate) => candidate.hash !== code.hash && candidate.codeChallenge && verifierMatches(verifier, candidate.codeChallenge),
  );
  return diagnosis(
    'pkce_mismatch',
    other
      ? `The code_verifier belongs to another authorization attempt${other.flowId ? ` (flow ${other.flowId})` : ''}: the client mixed up two attempts' verifiers.`
      : 'The code_verifier does not match the code_challenge, and not under any of the usual mistakes (plain instead of S256, base64 instead of base64url, padding): it is another verifier than the one the challenge was made from.',
    'Keep each attempt’s verifier with its state and send it with that attempt’s code.',
  );
}

function codeReused(context: BridgeContext, code: CodeRecord): Diagnosis {
  const grant = code.grantId ? context.store.grants.get(code.grantId) : undefined;
  const since = formatDuration(context.clock() - code.consumedAt!);
  return diagnosis(
    'code_reused',
    `The code was used twice: it was exchanged ${since} earlier (${formatTime(code.consumedAt!)})` +
      (grant ? ` for the linked account ${grant.id}, whose tokens were revoked now, ` : ', ') +
      'because a code used again may have been stolen (RFC 6749 §4.1.2). Usually Amazon retried because the first answer never reached it.',
    'Link again. If it repeats, check the reverse proxy’s timeouts and that it does not retry POST requests to /alexa/token.',
  );
}

function diagnoseCodeExpired(context: BridgeContext, code: CodeRecord, clientDate: string | undefined, steadyAgeMs: number | undefined): Diagnosis {
  const now = context.clock();
  const lifetime = code.expiresAt - code.issuedAt;
  const late = now - code.expiresAt;
  const cause = `The code expired ${formatDuration(late)} before the token request came (lifetime ${formatDuration(lifetime)}, issued ${formatTime(code.issuedAt)}).`;
  const clues: string[] = [];
  if (steadyAgeMs !== undefined && steadyAgeMs < lifetime) {
    clues.push(
      `By this server's steady clock only ${formatDuration(steadyAgeMs)} passed since the code was issued: the system clock jumped ${formatDuration(now - code.issuedAt - steadyAgeMs)} forward in between (a clock set by NTP after boot, e.g. a Raspberry Pi without a real-time clock).`,
    );
  }
  const clientNow = clientDate ? Date.parse(clientDate) : Number.NaN;
  if (!Number.isNaN(clientNow) && Math.abs(clientNow - now) >= SKEW_WORTH_SAYING_MS) {
    clues.push(
      `The client's Date header says ${formatTime(clientNow)}, this server's clock ${formatTime(now)}: the clocks differ by ${formatDuration(clientNow - now)}` +
        (clientNow - code.issuedAt < lifetime ? ', and by the client’s clock the code was still young: clock skew.' : '.'),
    );
  }
  const skew = clues.length > 0;
  return diagnosis(
    'code_expired',
    skew ? `${cause} ${clues.join(' ')}` : `${cause} Amazon normally exchanges a code within seconds, so its token request was held up (proxy, network) or retried late.`,
    skew
      ? 'Synchronise this machine’s clock (NTP; check with `date -u`), then link again.'
      : 'Link again. If it keeps happening, check the reverse proxy for stalls, or raise code_ttl (at most 600 s).',
  );
}
