import type { Config } from '../config/schema.js';

/** Where the bridge reaches Home Assistant's REST API, and with which bearer token. */
export interface HomeAssistantApi {
  /** The URL that `/api/...` paths are appended to, no trailing slash. */
  baseUrl: string;
  /** A Home Assistant credential: never the Alexa user's token, never logged. */
  token: string;
  /** How it is reached, for messages: `home_assistant_url` or the Supervisor's proxy. */
  via: string;
}

/**
 * The configured Home Assistant (home_assistant_url with home_assistant_token), else in the add-on
 * the Supervisor's Home Assistant API proxy, `http://supervisor/core/api/...` with the add-on's
 * SUPERVISOR_TOKEN (needs `homeassistant_api: true` in addon.yaml; developers.home-assistant.io,
 * "Add-on communication"). Undefined when neither is set (`servingProblem` refuses to start then).
 */
export function homeAssistantApi(config: Config): HomeAssistantApi | undefined {
  if (config.homeAssistantUrl) {
    return config.homeAssistantToken ? { baseUrl: config.homeAssistantUrl, token: config.homeAssistantToken, via: `home_assistant_url ${config.homeAssistantUrl}` } : undefined;
  }
  if (config.supervisorToken) return { baseUrl: `${config.supervisorUrl}/core`, token: config.supervisorToken, via: "the Supervisor's Home Assistant API proxy" };
  return undefined;
}

/** Home Assistant's own endpoint for Alexa Smart Home directives (its `alexa: smart_home:` integration). */
export const SMART_HOME_PATH = '/api/alexa/smart_home';
