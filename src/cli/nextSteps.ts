import type { BridgeContext } from '../context.js';
import { LOCAL_CLI, shellWord } from '../cliCommand.js';

/** What a new installation still needs, in plain words; nothing once it is set up. */
export function nextSteps(context: BridgeContext): string | undefined {
  const { config, store } = context;
  const dataDir = `--data-dir ${shellWord(config.dataDir)}`;
  const steps: string[] = [];
  if (store.clients.size === 0) {
    steps.push(
      `Register the Alexa skill as a client (the vendor id is the last part of the Alexa Redirect URLs in the developer console):\n` +
        `    ${LOCAL_CLI} ${dataDir} client add alexa --alexa-vendor-id YOUR_VENDOR_ID --name "My Alexa skill"`,
    );
  }
  if (config.auth === 'local' && store.users.size === 0) {
    steps.push(
      `Add a user who may sign in on the consent page:\n` +
        `    printf '%s' 'a-good-password' | ${LOCAL_CLI} ${dataDir} user add alice --password-stdin`,
    );
  }
  if (steps.length === 0) return undefined;
  return [
    `alexa-oauth-bridge is running at ${config.publicUrl} (listening on ${config.host}:${config.port}). To link Alexa:`,
    ...steps.map((step, i) => `${i + 1}. ${step}`),
    `${steps.length + 1}. ${alexaConsoleStep(config.publicUrl)}`,
  ].join('\n');
}

/**
 * What to enter in the Alexa developer console. Alexa takes only https on port 443 with a
 * publicly trusted certificate, so an http or other-port public URL (the default included) is
 * not offered as the Authorization URI.
 */
function alexaConsoleStep(publicUrl: string): string {
  const url = new URL(publicUrl);
  if (url.protocol === 'https:' && url.port === '') {
    return `In the Alexa developer console, set Authorization URI ${publicUrl}/alexa/authorize and Access Token URI ${publicUrl}/alexa/token (see README).`;
  }
  return (
    `The Alexa console needs an https URL on port 443 with a publicly trusted certificate; ${publicUrl} is not one. ` +
    `Put a TLS reverse proxy in front (README, "Behind nginx"), start with BRIDGE_PUBLIC_URL set to its address (e.g. https://alexa.example.com), ` +
    `then set Authorization URI https://alexa.example.com/alexa/authorize and Access Token URI https://alexa.example.com/alexa/token.`
  );
}
