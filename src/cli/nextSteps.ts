import type { BridgeContext } from '../context.js';
import { LOCAL_CLI } from '../cliCommand.js';

/** What a new installation still needs, in plain words; nothing once it is set up. */
export function nextSteps(context: BridgeContext): string | undefined {
  const { config, store } = context;
  const dataDir = `--data-dir '${config.dataDir}'`;
  const steps: string[] = [];
  if (store.clients.size === 0) {
    steps.push(
      `Register the Alexa skill as a client (the vendor id is the last part of the Alexa Redirect URLs in the developer console):\n` +
        `    ${LOCAL_CLI} ${dataDir} client add alexa-skill --alexa-vendor-id YOUR_VENDOR_ID --name "My Alexa skill"`,
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
    `${steps.length + 1}. In the Alexa developer console, set Authorization URI ${config.publicUrl}/alexa/authorize and Access Token URI ${config.publicUrl}/alexa/token (see README).`,
  ].join('\n');
}
