import type { Context } from 'koa';
import type { FormState } from '../http/middleware/parseForm.js';
import type { RequestLogState } from '../http/middleware/requestLog.js';
import type { AdminFrame } from '../views/admin/layout.js';
import type { AdminAccessState } from './access.js';

/** What the admin listener shows about the daemon it belongs to. */
export interface AdminInfo {
  version: string;
  instance: string;
  startedAt: number;
  /** The public listener's own /health, for the doctor's "reaches this daemon" check. */
  localHealthUrl: string;
}

/** What the admin app's middleware leaves for its routes (`form` on posts only). */
export type AdminState = AdminAccessState & RequestLogState & FormState & { csrfToken: string };

/** The page frame for this request: ingress path, viewer, the forms' CSRF token. */
export function frameOf(ctx: Context): AdminFrame {
  const state = ctx.state as AdminState;
  return { base: state.base, user: state.user, csrfToken: state.csrfToken };
}

/** An HTML answer that is never cached: every admin page shows live state, some a secret. */
export function sendPage(ctx: Context, status: number, page: string): void {
  ctx.status = status;
  ctx.type = 'html';
  ctx.body = page;
}
