import { normalizeUsername } from '../auth/username.js';
import type { BridgeContext } from '../context.js';
import type { AuthorizeRefusal } from '../oauth/observer.js';
import type { OAuthParams } from '../oauth/params.js';
import { explainMalformedChallenge } from '../oauth/pkceMistakes.js';
import { alexaRegionOf, closestRedirectUri } from '../oauth/redirectUriDifferences.js';
import { parseScope } from '../oauth/scope.js';
import { isRegistrableClientId } from '../services/clients.js';
import { isAcceptableUsername } from '../services/users.js';
import type { Diagnosis } from '../storage/records.js';
import { formatDuration, listOf } from '../text/prose.js';
import { diagnosis, nearMissIds } from './diagnosis.js';
import { LOCAL_CLI, shellOperands, shellWord } from '../cliCommand.js';

/** Why the authorization endpoint refused a request: the client, its redirect URI, scope or PKCE. */
export function diagnoseAuthorizeRefusal(context: BridgeContext, params: OAuthParams, refusal: AuthorizeRefusal): Diagnosis {
  const { reason } = refusal;
  const clientId = params.get('client_id') ?? '';
  const client = context.store.clients.get(clientId);
  switch (reason) {
    case 'unknown_client':
      return unknownClient(context, clientId, 'The authorization request');
    case 'redirect_uri_not_registered':
      return redirectUriNotRegistered(client!.id, params.get('redirect_uri')!, client!.redirectUris, client!.alexaVendorId);
    case 'scope_not_allowed': {
      const outside = parseScope(params.get('scope') ?? '').filter((scope) => !client!.scopes.includes(scope));
      return diagnosis(
        'scope_not_allowed',
        `The request asks for scope ${listOf(outside)}, which client ${clientId} may not have; it may ask for ${listOf(client!.scopes)}.`,
        `Make the Scope list in the Alexa console's Account Linking page match (${client!.scopes.join(' ')}), or register the client again with --scope for each scope it needs.`,
      );
    }
    case 'pkce_required':
      return diagnosis(
        'pkce_required',
        `Client ${clientId} is registered as public (it has no secret), so it must use PKCE, but the request has no code_challenge.`,
        `Alexa sends a secret rather than PKCE: make the client confidential, keeping every link, and paste the secret it prints into the Alexa console’s “Your Secret” field: ${LOCAL_CLI} client update ${shellWord(clientId)} --confidential (or turn PKCE on in the client).`,
      );
    case 'pkce_method_not_s256':
      return diagnosis(
        'pkce_method_not_s256',
        `The request's code_challenge_method is ${params.get('code_challenge_method') ?? 'missing, which means plain'}; this server accepts only S256, because a plain challenge protects nothing once it leaks.`,
        'Send code_challenge_method=S256 with code_challenge = BASE64URL(SHA-256(code_verifier)).',
      );
    case 'pkce_challenge_malformed':
      return diagnosis(
        'pkce_challenge_malformed',
        `The code_challenge is malformed: ${explainMalformedChallenge(params.get('code_challenge') ?? '')}.`,
        'Compute it as BASE64URL(SHA-256(code_verifier)) without = padding (RFC 7636 §4.2).',
      );
    default: {
      return diagnosis(
        reason ?? 'invalid_request',
        `The authorization request was refused: ${refusal.detail}.`,
        'Compare the Authorization URI and the parameters the client sends with the Alexa console’s Account Linking settings.',
      );
    }
  }
}

/** `where` starts the sentence: "The token request". */
export function unknownClient(context: BridgeContext, clientId: string, where: string): Diagnosis {
  // Only clients that can link are offered as the Client ID: a backend client cannot (README, "The skill's backend").
  const clients = [...context.store.clients.values()];
  const registered = clients.filter((client) => !client.backendFor).map((client) => client.id);
  const nearMiss = nearMissIds(clientId, registered);
  const cause =
    `${where} names client_id “${clientId}”, which is not registered here` +
    (nearMiss.length
      ? `; the registered ${nearMiss[0]} differs only in letter case or spaces.`
      : registered.length
        ? ` (registered: ${listOf(registered)}).`
        : clients.length
          ? '; no client that can link accounts is registered (backend clients cannot).'
          : '; no client is registered at all.');
  // Only an id `client add` accepts is offered for registering; any other is no one's typo to keep.
  const register = isRegistrableClientId(clientId)
    ? `${LOCAL_CLI} client add ${shellWord(clientId)} --alexa-vendor-id YOUR_VENDOR_ID`
    : undefined;
  const fix = registered.length
    ? `Make the Client ID in the Alexa console's Account Linking page exactly ${nearMiss[0] ?? `one of ${listOf(registered)}`}${register ? `, or register it: ${register}.` : ' (this one cannot be registered: a client_id is 1-200 printable ASCII characters without spaces).'}`
    : register
      ? `Register it: ${register} (or set client_id in the add-on's options).`
      : `Register a client whose id is 1-200 printable ASCII characters without spaces: ${LOCAL_CLI} client add alexa --alexa-vendor-id YOUR_VENDOR_ID, and use that id as the Alexa console's Client ID.`;
  return diagnosis('unknown_client', cause, fix);
}

function redirectUriNotRegistered(clientId: string, presented: string, registered: readonly string[], vendorId: string | undefined): Diagnosis {
  const closest = closestRedirectUri(presented, registered);
  const region = alexaRegionOf(presented);
  const cause =
    `Client ${clientId} asked to return to ${presented}, which is not registered` +
    (closest ? `. The closest registered one is ${closest.uri}: ${listOf(closest.differences)}.` : '.');
  const otherRegion = closest?.differences.some((difference) => difference.startsWith("it is another Alexa region's host"));
  let fix: string;
  if (region && (otherRegion || !registered.some((uri) => alexaRegionOf(uri)?.host === region.host))) {
    fix =
      `Register all three Alexa regions, because the region follows each person's Alexa app language and country: ` +
      `${LOCAL_CLI} client update ${shellWord(clientId)} --alexa-vendor-id ${vendorId ?? region.vendorId} (every linked account stays; in the add-on, set alexa_vendor_id in its options).`;
  } else {
    fix = `Copy the Alexa Redirect URLs from the Alexa console’s Account Linking page exactly as shown and register those: ${LOCAL_CLI} client update ${shellWord(clientId)} --add-redirect-uri URI (and --remove-redirect-uri for a wrong one).`;
  }
  return diagnosis('redirect_uri_not_registered', cause, fix);
}

/**
 * A wrong local password's fix. The typed name came from the request: only a name `user add`
 * accepts (so a user may have it) is offered for `user passwd`, normalized as stored, and as an
 * operand after `--` when it starts with a dash; any other name no user has, so no command carries
 * it (the flow record would show its control characters escaped, or cut a long one mid-quote).
 */
function localSignInFix(typed: string): string {
  const check = `Check the username (${LOCAL_CLI} user list)`;
  if (!isAcceptableUsername(typed)) return `${check}: no user can have the name typed (1-64 letters, digits or . _ @ + -).`;
  return `${check} or set a new password: ${LOCAL_CLI} user passwd --password-stdin ${shellOperands(normalizeUsername(typed))}.`;
}

/** Why a sign-in on the consent page failed. */
export function diagnoseSignInFailure(
  failure: { kind: 'invalid' | 'not-allowed' | 'blocked' | 'busy' | 'unavailable'; username: string; detail?: string },
  auth: BridgeContext['config']['auth'],
): Diagnosis {
  switch (failure.kind) {
    case 'invalid':
      return diagnosis(
        'sign_in_failed',
        `The password for “${failure.username}” was wrong, or no such ${auth === 'homeassistant' ? 'Home Assistant user' : 'user'} exists.`,
        auth === 'homeassistant'
          ? 'Sign in with the Home Assistant username (not the display name) and its password.'
          : localSignInFix(failure.username),
      );
    case 'not-allowed':
      return diagnosis(
        'user_not_allowed',
        `“${failure.username}” signed in with the right password but is not in allowed_users; the page said the password was wrong, so as not to reveal which accounts exist.`,
        `Add ${normalizeUsername(failure.username)} to allowed_users (names are compared ignoring case and surrounding spaces), or sign in as a user on that list.`,
      );
    case 'blocked':
      return diagnosis(
        'sign_in_blocked',
        `Sign-in for “${failure.username}” is blocked after repeated failures${failure.detail ? ` (${failure.detail})` : ''}.`,
        'Wait until the block ends, then sign in with the right password.',
      );
    case 'busy':
      return diagnosis(
        'sign_in_busy',
        `The password for “${failure.username}” was not checked: every password-check slot was taken and the queue was full (a burst of sign-ins, often a password-guessing flood).`,
        'Try again in a few seconds; if it keeps happening, look in the log for the addresses sending the sign-ins.',
      );
    case 'unavailable':
      return diagnosis(
        'sign_in_unavailable',
        `The password could not be checked: ${failure.detail ?? 'the sign-in backend did not answer'}.`,
        auth === 'homeassistant'
          ? 'Check that the add-on has auth_api: true and that Home Assistant and the Supervisor are running.'
          : 'Check the bridge’s log for the error.',
      );
  }
}

export const DENIED = diagnosis('access_denied', 'The person pressed Deny on the consent page.', 'Nothing to fix if they meant it; otherwise link again and press Allow.');

export const FORM_EXPIRED = diagnosis(
  'form_expired',
  'The sign-in form came back without this page’s cookie or with a token from another page: the bridge restarted between showing the page and the submit (the form key lives in memory), the browser dropped the cookie, or the page was open twice.',
  'Start the linking again from the Alexa app and submit the page it shows. If it keeps happening, check that the reverse proxy passes cookies on /alexa/authorize.',
);

/**
 * The page was opened on a host other than the public URL's (e.g. 127.0.0.1 vs localhost): its
 * CSRF cookie belongs to that host, the form posts to the public URL, and the browser does not
 * send the cookie there, so the sign-in ends in "page expired". Undefined when the hosts agree
 * (ports do not matter: cookies are per host) or the Host header is missing or unparsable.
 */
export function pageHostDiffers(host: string | undefined, publicUrl: string): Diagnosis | undefined {
  if (!host) return undefined;
  let opened: string;
  try {
    opened = new URL(`http://${host}`).hostname;
  } catch {
    return undefined;
  }
  const expected = new URL(publicUrl).hostname;
  if (opened === expected) return undefined;
  return diagnosis(
    'page_host_differs',
    `The sign-in page was opened on host ${opened}, but the public URL (the issuer) is ${publicUrl}, on host ${expected}. The page’s cookie belongs to ${opened} and the form posts to ${expected}, so the browser does not send the cookie back and the sign-in ends in “This page has expired”.`,
    `Open the page through the public URL (${publicUrl}/alexa/authorize…), or set public_url (BRIDGE_PUBLIC_URL) to the address people and Alexa really use. Behind a reverse proxy, also pass the Host header on (nginx: proxy_set_header Host $host).`,
  );
}

export function saveFailed(detail: string): Diagnosis {
  return diagnosis('storage_failed', `The code could not be saved: ${detail}.`, `Check the data dir’s disk space and permissions (${LOCAL_CLI} doctor), then link again.`);
}

/** Why an attempt went quiet after its last step, once it has been quiet for `idleMs`. */
export function abandonedAt(last: 'page' | 'sign-in' | 'code', idleMs: number, publicUrl: string): Diagnosis {
  switch (last) {
    case 'page':
      return diagnosis(
        'abandoned',
        `The sign-in page was shown, but nothing came back for ${formatDuration(idleMs)}: the person closed the page or the Alexa app, or the form's post never reached the bridge.`,
        'Ask them to link again. If the page stays on “loading” after Allow, check that the reverse proxy forwards POST /alexa/authorize.',
      );
    case 'sign-in':
      return diagnosis(
        'abandoned_after_sign_in_failure',
        `The person could not sign in and gave up (quiet for ${formatDuration(idleMs)} after the last failed sign-in).`,
        'Check the username and password they use (see the sign-in steps above), then link again.',
      );
    case 'code':
      return diagnosis(
        'code_never_exchanged',
        `The code was sent to Alexa, but no token request for it came within its lifetime (${formatDuration(idleMs)} ago): Amazon's servers did not reach the token endpoint.`,
        `Set the Access Token URI in the Alexa console to ${publicUrl}/alexa/token, make sure the reverse proxy forwards it on port 443 with a certificate from a public CA, and run ${LOCAL_CLI} doctor.`,
      );
  }
}
