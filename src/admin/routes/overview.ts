import type { Middleware } from 'koa';
import type { BridgeContext } from '../../context.js';
import { runDoctor } from '../../doctor/doctor.js';
import { grantStatus } from '../../services/grants.js';
import { renderOverviewPage } from '../../views/admin/overviewPage.js';
import { frameOf, sendPage, type AdminInfo, type AdminState } from '../state.js';

/** The page can wait this long for the public URL; the doctor's checks are shown as far as they got. */
const DOCTOR_TIMEOUT_MS = 4000;

export function overviewRoute(context: BridgeContext, info: AdminInfo): Middleware<AdminState> {
  return async (ctx) => {
    const [storage, report] = await Promise.all([
      context.store.health(),
      runDoctor(context, { localHealthUrl: info.localHealthUrl, timeoutMs: DOCTOR_TIMEOUT_MS }),
    ]);
    const now = context.clock();
    const linkedAccounts = [...context.store.grants.values()].filter((grant) => grantStatus(grant, now) === 'active').length;
    sendPage(
      ctx,
      200,
      renderOverviewPage(frameOf(ctx), {
        version: info.version,
        instance: info.instance,
        uptimeMs: now - info.startedAt,
        storage,
        publicUrl: context.config.publicUrl,
        clients: context.store.clients.size,
        linkedAccounts,
        checks: report.checks,
      }),
    );
  };
}
