import type { BridgeContext } from '../context.js';
import { homeAssistantApi, SMART_HOME_PATH, type HomeAssistantApi } from '../smartHome/homeAssistantApi.js';
import { fail, pass, warn, type Check } from './check.js';
import { describeNetworkError } from './probe.js';

const TITLE_REACH = 'Home Assistant answers the relay';
const TITLE_ALEXA = "Home Assistant's alexa: smart_home: is configured";
const TITLE_CLIENTS = 'smart-home clients are registered';

/**
 * The smart-home relay, when it is on: its clients exist, Home Assistant answers its REST API
 * (GET /api/ is 200 with the bridge's credential) and serves /api/alexa/smart_home. That path
 * only exists once `alexa: smart_home:` is in configuration.yaml; it takes POST only, so a GET
 * is 405 when it exists and 404 when it does not, and nothing is sent to Alexa's integration.
 */
export async function checkSmartHome(context: BridgeContext, timeoutMs: number): Promise<Check[]> {
  const { config, store } = context;
  if (config.smartHomeClients.length === 0) return [];
  const missing = config.smartHomeClients.filter((id) => !store.clients.get(id));
  const clients = missing.length
    ? warn('smart-home-clients', TITLE_CLIENTS, `smart_home_clients names ${missing.join(', ')}, which is not a registered client`, 'set smart_home_clients to the client id of the Alexa skill that sends smart-home directives (`client list` shows them)')
    : pass('smart-home-clients', TITLE_CLIENTS, `directives are accepted from ${config.smartHomeClients.join(', ')}`);
  const api = homeAssistantApi(config);
  if (!api) {
    return [clients, fail('smart-home-reach', TITLE_REACH, 'no Home Assistant is configured for the relay', 'set home_assistant_url and home_assistant_token (outside the add-on)')];
  }
  const root = await ask(api, '/api/', timeoutMs);
  const reach = reachCheck(api, root);
  if (reach.status === 'fail') return [clients, reach];
  const alexa = await ask(api, SMART_HOME_PATH, timeoutMs);
  return [clients, reach, alexaCheck(alexa)];
}

type Asked = { status: number } | { error: string };

async function ask(api: HomeAssistantApi, path: string, timeoutMs: number): Promise<Asked> {
  try {
    const response = await fetch(`${api.baseUrl}${path}`, { headers: { Authorization: `Bearer ${api.token}` }, signal: AbortSignal.timeout(timeoutMs), redirect: 'manual' });
    await response.body?.cancel();
    return { status: response.status };
  } catch (error) {
    const cause = error instanceof Error && error.name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : describeNetworkError((error as Error).cause ?? error);
    return { error: cause };
  }
}

function reachCheck(api: HomeAssistantApi, asked: Asked): Check {
  if ('error' in asked) return fail('smart-home-reach', TITLE_REACH, `${api.via}: ${asked.error}`, 'check that Home Assistant runs and that home_assistant_url is its address as this machine reaches it');
  if (asked.status === 200) return pass('smart-home-reach', TITLE_REACH, `${api.via} answers`);
  if (asked.status === 401 || asked.status === 403) {
    return fail('smart-home-reach', TITLE_REACH, `${api.via} refuses the bridge's credential (${asked.status})`, 'create a new long-lived access token on your Home Assistant profile page and set home_assistant_token (in the add-on: homeassistant_api must be granted; reinstall the add-on)');
  }
  return fail('smart-home-reach', TITLE_REACH, `${api.via} answered ${asked.status} to GET /api/`, 'home_assistant_url must be Home Assistant\'s own address (e.g. http://homeassistant.local:8123), not a proxy in front of it');
}

function alexaCheck(asked: Asked): Check {
  if ('error' in asked) return fail('smart-home-alexa', TITLE_ALEXA, `asking ${SMART_HOME_PATH} failed: ${asked.error}`, 'check that Home Assistant runs');
  if (asked.status === 405) return pass('smart-home-alexa', TITLE_ALEXA, `Home Assistant serves ${SMART_HOME_PATH}`);
  if (asked.status === 404) {
    return fail('smart-home-alexa', TITLE_ALEXA, `Home Assistant answers 404 on ${SMART_HOME_PATH}: its Alexa Smart Home integration is not configured`, 'add `alexa:` with `smart_home:` to Home Assistant\'s configuration.yaml and restart Home Assistant');
  }
  return warn('smart-home-alexa', TITLE_ALEXA, `Home Assistant answered ${asked.status} to GET ${SMART_HOME_PATH} (405 expected)`, 'check Home Assistant\'s log for the alexa integration');
}
