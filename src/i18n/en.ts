/**
 * English, the reference catalogue: every string a person sees on the sign-in page, its
 * messages and the error page. `{name}` marks a value filled in when the page is rendered.
 */
export const en = {
  'consent.title': 'Link {client}',
  'consent.asks.homeassistant': '{client} asks to use your Home Assistant account.',
  'consent.asks.local': '{client} asks to use your household account.',
  'consent.access': 'It will get this access:',
  'consent.after': 'After you allow it, you return to {host}. You can end the link at any time by disabling the skill.',
  'consent.username': 'Username',
  'consent.password': 'Password',
  'consent.allow': 'Allow',
  'consent.deny': 'Deny',
  'consent.message.chooseDecision': 'Choose Allow or Deny.',
  'consent.message.missingCredentials': 'Enter your username and password.',
  'consent.message.wrongCredentials': 'The username or password is not right.',
  'consent.message.tooManyFailures': 'Too many failed sign-ins. Try again {wait}.',
  'consent.message.busy': 'Too many sign-ins are being checked right now. Try again {wait}.',
  'consent.message.signInUnavailable': 'Home Assistant could not be asked to check your password. Try again in a minute.',
  'consent.message.saveFailed': 'The server could not save the link. Try again in a minute.',
  'error.retry': 'Start the account linking again from the Alexa app. If it keeps failing, the owner of this server can look it up.',
  'error.retryWithReference': 'Start the account linking again from the Alexa app. If it keeps failing, the owner of this server can look it up with reference {reference}.',
  'error.malformed.title': 'The link request is malformed',
  'error.malformed.repeated': 'The request names {name} more than once.',
  'error.incomplete.title': 'The link request is incomplete',
  'error.incomplete.missing': 'The request has no {name}.',
  'error.backendClient.title': 'Not an application you can link',
  'error.backendClient.text': '“{clientId}” is a skill backend registered only to check tokens; it cannot sign anyone in. In the Alexa developer console, use the Alexa skill’s own Client ID.',
  'error.unknownClient.title': 'Unknown application',
  'error.unknownClient.text': 'No application with client ID “{clientId}” is registered here. Check the Client ID in the Alexa developer console.',
  'error.redirectUri.title': 'This return address is not registered',
  'error.redirectUri.text': 'The application “{client}” asked to return to {redirectUri}, which is not one of its registered redirect URIs.',
  'error.formExpired.title': 'This page has expired',
  'error.formExpired.text': 'The sign-in form was not sent from the page this server showed, or the page is too old.',
  'error.unexpected.title': 'Something went wrong',
  'error.unexpected.text': 'The request could not be handled: {description}.',
} as const;

export type MessageKey = keyof typeof en;

/** A translation: exactly the English catalogue's keys, each a string with the same `{names}`. */
export type Catalogue = Record<MessageKey, string>;
