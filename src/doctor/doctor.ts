import type { BridgeContext } from '../context.js';
import { localHealthUrl } from '../net/addresses.js';
import type { Check } from './check.js';
import { askPublicUrl, checkCertificate, checkClock, checkMetadata, checkPublicUrlScheme, checkReachesDaemon } from './publicUrlChecks.js';
import { checkSmartHome } from './smartHomeChecks.js';
import { checkClients, checkClockAgainstDataDir, checkConfiguration, checkDamagedJournals, checkDataDir, checkTokenLifetimes } from './setupChecks.js';

export interface DoctorOptions {
  /** This daemon's own /health, to tell it from another instance behind the same public URL. */
  localHealthUrl?: string | undefined;
  timeoutMs?: number;
}

export interface DoctorReport {
  ok: boolean;
  checks: Check[];
}

const TIMEOUT_MS = 5000;

/** Checks the set-up, from configuration to what Amazon will see at the public URL; `ok` when nothing fails. */
export async function runDoctor(context: BridgeContext, options: DoctorOptions = {}): Promise<DoctorReport> {
  const timeoutMs = options.timeoutMs ?? TIMEOUT_MS;
  const [dataDir, damagedJournals, clockAgainstDataDir, answers, certificate, smartHome] = await Promise.all([
    checkDataDir(context),
    checkDamagedJournals(context),
    checkClockAgainstDataDir(context),
    askPublicUrl(context, options.localHealthUrl ?? (context.config.port ? localHealthUrl(context.config.host, context.config.port) : undefined), timeoutMs),
    checkCertificate(context, timeoutMs),
    checkSmartHome(context, timeoutMs),
  ]);
  const checks = [
    checkConfiguration(context),
    dataDir,
    damagedJournals,
    checkPublicUrlScheme(context),
    checkReachesDaemon(context, answers),
    certificate,
    checkMetadata(context, answers),
    checkClock(context, answers),
    clockAgainstDataDir,
    ...checkClients(context),
    checkTokenLifetimes(context),
    ...smartHome,
  ];
  return { ok: checks.every((check) => check.status !== 'fail'), checks };
}
