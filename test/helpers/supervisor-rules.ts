// The Home Assistant Supervisor's rules for an add-on ("app" in its code since
// 2026) config.yaml and translations/*.yaml, and its advisories about
// deprecated fields and build.yaml, transcribed from home-assistant/supervisor
// (2026.08, where the modules moved from supervisor/addons/ to supervisor/apps/):
//
//   supervisor/apps/validate.py  _SCHEMA_APP_CONFIG, SCHEMA_ELEMENT,
//                                SCHEMA_APP_TRANSLATIONS, SCHEMA_BUILD_CONFIG,
//                                _warn_app_config and _migrate_app_config (the
//                                deprecation warnings)
//   supervisor/apps/options.py   RE_SCHEMA_ELEMENT, and AppOptions, which
//                                checks option values against the schema
//   supervisor/apps/build.py     the warning for a build.yaml
//   supervisor/validate.py       docker_ports, network_port
//   supervisor/const.py          ARCH_ALL, ARCH_DEPRECATED, MACHINE_DEPRECATED,
//                                AppStartup, AppBootConfig
//   supervisor/apps/const.py     RE_SLUG, MappingType
//
// Each check returns a list of problems, empty when all is well; the warnings
// are what the Supervisor logs for a deprecated but still accepted field. Where
// a rule is stricter than the Supervisor's, its comment starts "House rule" and
// says why: mostly because the Supervisor accepts the value and then fails, or
// silently drops it, at run time.

export type Problems = string[];
type Mapping = Record<string, unknown>;

export const ARCH_ALL = ['aarch64', 'amd64'];
// Still accepted (ARCH_ALL_COMPAT), with a warning.
const ARCH_DEPRECATED = ['armhf', 'armv7', 'i386'];
const MACHINE_DEPRECATED = ['odroid-xu', 'qemuarm', 'qemux86', 'raspberrypi', 'raspberrypi2', 'raspberrypi3', 'raspberrypi4', 'tinker'];
// Map types deprecated in 2026.07, and what replaces them.
const LEGACY_MAP_TYPES: Record<string, string> = {
  addons: 'local_apps',
  all_addon_configs: 'all_app_configs',
  addon_config: 'app_config',
  config: 'homeassistant_config',
};
const STARTUP_VALUES = ['initialize', 'system', 'services', 'application', 'once'];
const BOOT_VALUES = ['auto', 'manual', 'manual_only'];
const DEFAULT_INGRESS_PORT = 8099;

const RE_SLUG_FIELD = /^[-_.A-Za-z0-9]+$/;
// House rule: the Supervisor parses the version with AwesomeVersion, which
// takes nearly any string; semantic versions keep update ordering unambiguous.
const RE_VERSION = /^\d+\.\d+\.\d+(?:[-+][0-9A-Za-z.-]+)?$/;
const RE_WATCHDOG = /^(?:https?|\[PROTO:\w+\]|tcp):\/\/\[HOST\]:(\[PORT:\d+\]|\d+).*$/;
const RE_WEBUI = /^(?:https?|\[PROTO:\w+\]):\/\/\[HOST\]:\[PORT:\d+\].*$/;
// House rule: the Supervisor also takes a bare number (meaning tcp). Spelling
// the protocol out keeps ports, ports_description and the translations'
// network keys the same strings.
const RE_PORT_KEY = /^\d+\/(?:tcp|udp)$/;
const RE_SCHEMA_ELEMENT = new RegExp(
  '^(?:' +
    '|bool|email|url|port' +
    '|device(?:\\((?<filter>subsystem=[a-z]+)\\))?' +
    '|str(?:\\((?<s_min>\\d+)?,(?<s_max>\\d+)?\\))?' +
    '|password(?:\\((?<p_min>\\d+)?,(?<p_max>\\d+)?\\))?' +
    '|int(?:\\((?<i_min>\\d+)?,(?<i_max>\\d+)?\\))?' +
    '|float(?:\\((?<f_min>[\\d.]+)?,(?<f_max>[\\d.]+)?\\))?' +
    '|match\\((?<match>.*)\\)' +
    '|list\\((?<list>.+)\\)' +
    ')\\??$',
);
// Close enough to voluptuous' Email() for option defaults.
const RE_EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;

// Every key _SCHEMA_ADDON_CONFIG knows. House rule: the Supervisor drops any
// other key without a word (extra=REMOVE_EXTRA), so one here is a typo.
const KNOWN_KEYS = new Set([
  'name', 'version', 'slug', 'description', 'arch', 'machine', 'url', 'startup', 'boot',
  'init', 'advanced', 'stage', 'ports', 'ports_description', 'watchdog', 'webui',
  'ingress', 'ingress_port', 'ingress_entry', 'ingress_stream', 'panel_icon',
  'panel_title', 'panel_admin', 'homeassistant', 'host_network', 'host_pid', 'host_ipc',
  'host_uts', 'host_dbus', 'devices', 'udev', 'tmpfs', 'map', 'environment', 'privileged',
  'apparmor', 'full_access', 'audio', 'video', 'gpio', 'usb', 'uart', 'devicetree',
  'kernel_modules', 'realtime', 'hassio_api', 'hassio_role', 'homeassistant_api', 'stdin',
  'legacy', 'docker_api', 'auth_api', 'services', 'discovery', 'backup_exclude',
  'backup_pre', 'backup_post', 'restore_pre', 'restore_post', 'backup', 'options',
  'schema', 'image', 'ulimits', 'timeout', 'journald', 'breaking_versions',
]);
// House rule: vol.Boolean() also takes strings such as "yes" or "0"; in YAML
// those are almost always a quoting mistake.
const BOOLEAN_KEYS = [
  'init', 'advanced', 'ingress', 'ingress_stream', 'panel_admin', 'host_network',
  'host_pid', 'host_ipc', 'host_uts', 'host_dbus', 'udev', 'tmpfs', 'apparmor',
  'full_access', 'audio', 'video', 'gpio', 'usb', 'uart', 'devicetree', 'kernel_modules',
  'realtime', 'hassio_api', 'homeassistant_api', 'stdin', 'legacy', 'docker_api',
  'auth_api', 'journald',
];

export type ScalarKind =
  | 'str' | 'password' | 'int' | 'float' | 'bool' | 'email' | 'url' | 'port' | 'match' | 'list' | 'device';

/** One option type of the schema grammar, e.g. `int(360,)` or `match(^a$)?`. */
export interface ScalarType {
  kind: ScalarKind;
  optional: boolean;
  min?: number;
  max?: number;
  pattern?: string;
  choices?: string[];
}

export function isMapping(value: unknown): value is Mapping {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** vol.Url(): a scheme and a host. */
export function isUrl(value: unknown): boolean {
  return typeof value === 'string' && URL.canParse(value) && new URL(value).host !== '';
}

function isPort(value: unknown): boolean {
  return Number.isInteger(value) && (value as number) >= 1 && (value as number) <= 65535;
}

const bound = (text: string | undefined): number | undefined =>
  text === undefined ? undefined : Number(text);

/** Parses a schema element string; undefined when the Supervisor would not accept it. */
export function parseSchemaElement(element: string): ScalarType | undefined {
  const groups = RE_SCHEMA_ELEMENT.exec(element)?.groups;
  // House rule: the grammar's empty alternative lets "" and "?" through, and
  // then every value fails at start-up.
  const kind = /^[a-z]+/.exec(element)?.[0] as ScalarKind | undefined;
  if (!groups || !kind) return undefined;
  const type: ScalarType = {
    kind,
    optional: element.endsWith('?'),
    min: bound(groups.s_min ?? groups.p_min ?? groups.i_min ?? groups.f_min),
    max: bound(groups.s_max ?? groups.p_max ?? groups.i_max ?? groups.f_max),
    pattern: groups.match,
    choices: groups.list?.split('|'),
  };
  // House rule: a bound like float(1.2.3,) or a pattern that does not compile
  // passes the grammar and then breaks every start. (Patterns are compiled
  // with JavaScript's engine here, Python's there; they agree on the basics.)
  if (Number.isNaN(type.min) || Number.isNaN(type.max)) return undefined;
  if (type.pattern !== undefined && !compiles(type.pattern)) return undefined;
  // Bounds of str and password are lengths. (Before 2026.07.4,
  // home-assistant/supervisor#7044, every value of a bounded one failed; the
  // Supervisor updates itself, so no install runs such a version for long.)
  return type;
}

function compiles(pattern: string): boolean {
  try {
    new RegExp(pattern);
    return true;
  } catch {
    return false;
  }
}

function rangeProblem(type: ScalarType, n: number): string | undefined {
  if (type.min !== undefined && n < type.min) return `is below the minimum ${type.min}`;
  if (type.max !== undefined && n > type.max) return `is above the maximum ${type.max}`;
  return undefined;
}

/** What AddonOptions._single_validate would object to in a non-null value. */
function scalarProblem(type: ScalarType, value: unknown): string | undefined {
  switch (type.kind) {
    case 'str':
    case 'password':
      // vol.Length: the bounds are the string's length.
      if (typeof value !== 'string') return 'is not a string';
      // Python counts code points, not UTF-16 units.
      if (type.min !== undefined && [...value].length < type.min) return `is shorter than ${type.min} characters`;
      if (type.max !== undefined && [...value].length > type.max) return `is longer than ${type.max} characters`;
      return undefined;
    // House rule for int, float and bool: vol.Coerce and vol.Boolean also take
    // strings and truncate floats; a default should have the option's own type.
    case 'int':
      return Number.isInteger(value) ? rangeProblem(type, value as number) : 'is not an integer';
    case 'float':
      return Number.isFinite(value) ? rangeProblem(type, value as number) : 'is not a number';
    case 'bool':
      return typeof value === 'boolean' ? undefined : 'is not true or false';
    case 'email':
      return typeof value === 'string' && RE_EMAIL.test(value) ? undefined : 'is not an e-mail address';
    case 'url':
      return isUrl(value) ? undefined : 'is not a URL';
    case 'port':
      return isPort(value) ? undefined : 'is not a port (1-65535)';
    case 'match': {
      // vol.Match uses re.match: anchored at the start only. And Python's $ also matches just
      // before a final newline, so "abc\n" matches ^abc$.
      const text = String(value);
      const matches = (candidate: string) => new RegExp(`^(?:${type.pattern})`).test(candidate);
      return matches(text) || (text.endsWith('\n') && matches(text.slice(0, -1))) ? undefined : `does not match ${type.pattern}`;
    }
    case 'list':
      return type.choices?.includes(String(value)) ? undefined : `is not one of ${type.choices?.join(', ')}`;
    case 'device':
      // The device must exist on the host, which only the Supervisor can tell.
      return typeof value === 'string' && value.startsWith('/dev/') ? undefined : 'is not a device path';
  }
}

/** SCHEMA_ELEMENT: a type string, a one-item list of one, or a mapping of them. */
export function schemaElementProblems(element: unknown, where: string, inList = false): Problems {
  if (typeof element === 'string') {
    return parseSchemaElement(element) ? [] : [`${where}: unknown schema element "${element}"`];
  }
  if (Array.isArray(element)) {
    if (inList) return [`${where}: a list may not directly contain another list`];
    // House rule: the Supervisor reads only a list's first item.
    if (element.length !== 1) return [`${where}: a list holds exactly one item type`];
    return schemaElementProblems(element[0], `${where}[0]`, true);
  }
  if (isMapping(element)) {
    return Object.entries(element).flatMap(([key, child]) => schemaElementProblems(child, `${where}.${key}`));
  }
  return [`${where}: a schema element is a type string, a one-item list or a mapping`];
}

/** AddonOptions._validate_element: does the value fit the (valid) schema element? */
export function optionValueProblems(element: unknown, value: unknown, where: string): Problems {
  if (Array.isArray(element)) {
    if (!Array.isArray(value)) return [`${where}: is not a list`];
    return value.flatMap((item, i) => optionValueProblems(element[0], item, `${where}[${i}]`));
  }
  if (isMapping(element)) {
    if (!isMapping(value)) return [`${where}: is not a mapping`];
    // House rule: the Supervisor drops unknown nested keys with only a warning.
    return Object.entries(value).flatMap(([key, item]) =>
      key in element
        ? optionValueProblems(element[key], item, `${where}.${key}`)
        : [`${where}.${key}: is not in the schema`],
    );
  }
  const type = parseSchemaElement(String(element));
  if (!type) return [`${where}: unknown schema element "${String(element)}"`];
  if (value === null || value === undefined) return [`${where}: a value is required`];
  const problem = scalarProblem(type, value);
  return problem ? [`${where}: ${JSON.stringify(value)} ${problem}`] : [];
}

/**
 * Options the user must fill in before the add-on starts: schema keys with no
 * default that AddonOptions._check_missing_options does not excuse (only a
 * type string, or a list of one, ending in "?" is optional).
 */
export function requiredWithoutDefault(manifest: Mapping): string[] {
  const schema = isMapping(manifest.schema) ? manifest.schema : {};
  const options = isMapping(manifest.options) ? manifest.options : {};
  return Object.entries(schema)
    .filter(([key]) => !(key in options))
    .filter(([, element]) => {
      const item: unknown = Array.isArray(element) ? element[0] : element;
      return !(typeof item === 'string' && item.endsWith('?'));
    })
    .map(([key]) => key);
}

function requiredProblems(manifest: Mapping): Problems {
  const problems: Problems = [];
  for (const key of ['name', 'description']) {
    if (typeof manifest[key] !== 'string' || manifest[key] === '') problems.push(`${key}: required text`);
  }
  if (typeof manifest.version !== 'string' || !RE_VERSION.test(manifest.version)) {
    problems.push(`version: "${String(manifest.version)}" is not a version like 1.2.3`);
  }
  if (typeof manifest.slug !== 'string' || !RE_SLUG_FIELD.test(manifest.slug)) {
    problems.push(`slug: "${String(manifest.slug)}" does not match ${RE_SLUG_FIELD.source}`);
  }
  const arch = manifest.arch;
  // House rule: an empty list passes the Supervisor and installs nowhere.
  if (!Array.isArray(arch) || arch.length === 0) {
    problems.push('arch: required list of architectures');
  } else {
    for (const a of arch.filter((a) => !ARCH_ALL.includes(a) && !ARCH_DEPRECATED.includes(a))) {
      problems.push(`arch: "${String(a)}" is not one of ${[...ARCH_ALL, ...ARCH_DEPRECATED].join(', ')}`);
    }
  }
  return problems;
}

function fieldProblems(manifest: Mapping): Problems {
  const problems: Problems = [];
  for (const key of Object.keys(manifest).filter((k) => !KNOWN_KEYS.has(k))) {
    problems.push(`${key}: not a key the Supervisor knows`);
  }
  for (const key of BOOLEAN_KEYS.filter((k) => k in manifest && typeof manifest[k] !== 'boolean')) {
    problems.push(`${key}: must be true or false`);
  }
  const oneOf = (key: string, allowed: string[]) => {
    if (key in manifest && !allowed.includes(String(manifest[key]))) {
      problems.push(`${key}: "${String(manifest[key])}" is not one of ${allowed.join(', ')}`);
    }
  };
  oneOf('startup', STARTUP_VALUES);
  oneOf('boot', BOOT_VALUES);
  const pattern = (key: string, re: RegExp) => {
    if (key in manifest && !(typeof manifest[key] === 'string' && re.test(manifest[key]))) {
      problems.push(`${key}: "${String(manifest[key])}" does not match ${re.source}`);
    }
  };
  pattern('watchdog', RE_WATCHDOG);
  pattern('webui', RE_WEBUI);
  // House rule: the frontend only draws Material Design Icons.
  pattern('panel_icon', /^mdi:[a-z0-9-]+$/);
  if ('url' in manifest && !isUrl(manifest.url)) problems.push(`url: "${String(manifest.url)}" is not a URL`);
  const timeout = manifest.timeout;
  if (timeout !== undefined && !(Number.isInteger(timeout) && (timeout as number) >= 10 && (timeout as number) <= 300)) {
    problems.push('timeout: must be 10 to 300 seconds');
  }
  return problems;
}

function portProblems(manifest: Mapping): Problems {
  const ports = manifest.ports ?? {};
  const descriptions = manifest.ports_description ?? {};
  if (!isMapping(ports)) return ['ports: must be a mapping'];
  if (!isMapping(descriptions)) return ['ports_description: must be a mapping'];
  const problems: Problems = [];
  for (const [key, hostPort] of Object.entries(ports)) {
    if (!RE_PORT_KEY.test(key)) problems.push(`ports: "${key}" is not like 8096/tcp`);
    if (hostPort !== null && !isPort(hostPort)) problems.push(`ports.${key}: ${String(hostPort)} is not a port`);
  }
  for (const [key, text] of Object.entries(descriptions)) {
    if (typeof text !== 'string') problems.push(`ports_description.${key}: must be text`);
    // House rule: a description for a port that is not exposed is a typo.
    if (!(key in ports)) problems.push(`ports_description.${key}: describes a port that is not exposed`);
  }
  return problems;
}

function ingressProblems(manifest: Mapping): Problems {
  const port = manifest.ingress_port ?? DEFAULT_INGRESS_PORT;
  if (!(port === 0 || isPort(port))) return [`ingress_port: ${String(port)} is not a port`];
  const exposed = isMapping(manifest.ports) ? Object.keys(manifest.ports) : [];
  // House rule: the ingress listener is meant to be reached through Home
  // Assistant, which authenticates; publishing it on the host bypasses that.
  if (manifest.ingress === true && exposed.some((key) => key.startsWith(`${String(port)}/`))) {
    return [`ingress_port: ${String(port)} is also exposed under ports`];
  }
  return [];
}

function optionProblems(manifest: Mapping): Problems {
  const options = manifest.options ?? {};
  const schema = manifest.schema ?? {};
  if (!isMapping(options)) return ['options: must be a mapping'];
  if (schema === false) return []; // the Supervisor then passes options through unchecked
  if (!isMapping(schema)) return ['schema: must be a mapping or false'];
  const schemaProblems = Object.entries(schema).flatMap(([key, element]) =>
    schemaElementProblems(element, `schema.${key}`),
  );
  // Defaults cannot be judged against a broken schema.
  if (schemaProblems.length > 0) return schemaProblems;
  return Object.entries(options).flatMap(([key, value]) =>
    key in schema
      ? optionValueProblems(schema[key], value, `options.${key}`)
      : // House rule: the Supervisor drops an option the schema lacks.
        [`options.${key}: has no schema entry`],
  );
}

/** Everything this module knows about a config.yaml. */
export function validateManifest(manifest: unknown): Problems {
  if (!isMapping(manifest)) return ['the manifest must be a mapping'];
  return [
    ...requiredProblems(manifest),
    ...fieldProblems(manifest),
    ...portProblems(manifest),
    ...ingressProblems(manifest),
    ...optionProblems(manifest),
  ];
}

// SCHEMA_TRANSLATION_CONFIGURATION requires a name; house rule: every option
// has a name and a description, and none names an option that does not exist.
function configurationProblems(entries: unknown, schema: Mapping, where: string): Problems {
  if (!isMapping(entries)) return [`${where}: must be a mapping`];
  const problems = Object.keys(entries)
    .filter((key) => !(key in schema))
    .map((key) => `${where}.${key}: names an option the schema does not have`);
  for (const [key, element] of Object.entries(schema)) {
    const entry = entries[key];
    if (!isMapping(entry)) {
      problems.push(`${where}.${key}: missing`);
      continue;
    }
    for (const field of ['name', 'description']) {
      const text = entry[field];
      if (typeof text !== 'string' || text.trim() === '') problems.push(`${where}.${key}.${field}: missing`);
    }
    const nested: unknown = Array.isArray(element) ? element[0] : element;
    if (isMapping(nested)) problems.push(...configurationProblems(entry.fields ?? {}, nested, `${where}.${key}.fields`));
  }
  return problems;
}

/** SCHEMA_ADDON_TRANSLATIONS, checked against the manifest it translates. */
export function validateTranslation(translation: unknown, manifest: Mapping): Problems {
  if (!isMapping(translation)) return ['the translation must be a mapping'];
  const schema = isMapping(manifest.schema) ? manifest.schema : {};
  const ports = isMapping(manifest.ports) ? Object.keys(manifest.ports) : [];
  const network = translation.network ?? {};
  if (!isMapping(network)) return ['network: must be a mapping'];
  const problems = configurationProblems(translation.configuration ?? {}, schema, 'configuration');
  for (const [key, text] of Object.entries(network)) {
    if (typeof text !== 'string') problems.push(`network.${key}: must be text`);
    if (!ports.includes(key)) problems.push(`network.${key}: is not an exposed port`);
  }
  // House rule: every exposed port is explained in every language.
  for (const key of ports.filter((key) => !(key in network))) problems.push(`network.${key}: missing`);
  return problems;
}

/**
 * What the Supervisor logs at warning level for a config.yaml it still accepts: deprecated
 * fields and values (_warn_app_config, _migrate_app_config in supervisor/apps/validate.py).
 */
export function manifestWarnings(manifest: Mapping): string[] {
  const warnings: string[] = [];
  const list = (key: string): unknown[] => (Array.isArray(manifest[key]) ? (manifest[key] as unknown[]) : []);
  if ('advanced' in manifest) warnings.push("uses the deprecated 'advanced' config field, which is ignored");
  if ('codenotary' in manifest) warnings.push("uses the deprecated 'codenotary' config field, which is no longer used and ignored");
  const arches = list('arch').filter((a) => ARCH_DEPRECATED.includes(String(a)));
  if (arches.length > 0) warnings.push(`uses deprecated 'arch' values: ${arches.join(', ')}`);
  const machines = list('machine').filter((m) => MACHINE_DEPRECATED.includes(String(m).replace(/^!/, '')));
  if (machines.length > 0) warnings.push(`uses deprecated 'machine' values: ${machines.join(', ')}`);
  if (manifest.startup === 'before' || manifest.startup === 'after') warnings.push(`uses deprecated 'startup' value '${manifest.startup}'`);
  if ('auto_uart' in manifest) warnings.push("uses deprecated 'auto_uart'; use 'uart' instead");
  if (list('devices').some((d) => String(d).includes(':'))) warnings.push("uses a deprecated 'devices' format; use a list of paths only");
  if ('tmpfs' in manifest && typeof manifest.tmpfs !== 'boolean') warnings.push("uses a deprecated 'tmpfs' format; use a boolean instead");
  for (const key of ['snapshot_exclude', 'snapshot_post', 'snapshot_pre', 'snapshot'].filter((k) => k in manifest)) {
    warnings.push(`uses deprecated config '${key}'; use '${key.replace('snapshot', 'backup')}' instead`);
  }
  for (const entry of list('map')) {
    const type = isMapping(entry) ? String(entry.type) : String(entry).split(':')[0]!;
    if (type in LEGACY_MAP_TYPES) warnings.push(`uses legacy map type '${type}'; use '${LEGACY_MAP_TYPES[type]}' instead`);
  }
  return warnings;
}

/**
 * A build.yaml beside config.yaml: deprecated (supervisor/apps/build.py); the Dockerfile's own
 * ARG BUILD_FROM default is used without one.
 */
export function buildConfigWarnings(build: unknown): string[] {
  const warnings = ['uses build.yaml which is deprecated; move build parameters into the Dockerfile directly'];
  if (isMapping(build) && build.squash === true) warnings.push('squash is ignored: Docker BuildKit does not support it');
  return warnings;
}
