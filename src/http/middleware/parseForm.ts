import type { Middleware } from 'koa';
import { HttpMethodEnum, koaBody } from 'koa-body';
import { OAuthError } from '../../oauth/errors.js';
import { paramsFromSearch, type OAuthParams } from '../../oauth/params.js';

/** Form bodies of the OAuth endpoints are tiny; anything bigger is refused with 413. */
const FORM_LIMIT_BYTES = 16 * 1024;

export interface FormState {
  form: OAuthParams;
}

// koa-body reads the body as text (its limits, encodings and errors), never through qs: qs turns
// `a=1&a=2` into arrays and `a[b]=1` / `a.b=1` into objects, and OAuth needs flat strings.
const readFormText = koaBody({
  urlencoded: false,
  json: false,
  multipart: false,
  text: true,
  textTypes: ['application/x-www-form-urlencoded'],
  textLimit: FORM_LIMIT_BYTES,
  parsedMethods: [HttpMethodEnum.POST],
});

/** Reads an `application/x-www-form-urlencoded` body into flat parameters (RFC 6749 §3.2, Appendix B). */
export const parseForm: Middleware<FormState> = async (ctx, next) => {
  if (!ctx.is('application/x-www-form-urlencoded')) {
    throw new OAuthError('invalid_request', 'the body must be application/x-www-form-urlencoded', {
      detail: `content-type ${ctx.get('content-type') || '(none)'}`,
    });
  }
  // No OAuth client compresses a few hundred bytes; a decompressor left running after the size
  // limit stops reading can crash the process, so compressed bodies are not read at all.
  const encoding = ctx.get('content-encoding').trim().toLowerCase();
  if (encoding !== '' && encoding !== 'identity') {
    throw new OAuthError('invalid_request', 'the body must not be compressed', { status: 415, detail: `content-encoding ${encoding}` });
  }
  // Checked here because the body reader wraps lengths of 2^31 and more and would wait for them.
  if (Number(ctx.get('content-length')) > FORM_LIMIT_BYTES) {
    throw new OAuthError('invalid_request', 'the request body is too large', { status: 413, detail: `content-length ${ctx.get('content-length')}` });
  }
  await readFormText(ctx, async () => undefined);
  const text = typeof ctx.request.body === 'string' ? ctx.request.body : '';
  ctx.state.form = paramsFromSearch(new URLSearchParams(text));
  await next();
};

/** RFC 6749 §3.2: request and response parameters must not be included more than once. */
export const rejectRepeatedParams: Middleware<FormState> = async (ctx, next) => {
  const [repeated] = ctx.state.form.repeated;
  if (repeated !== undefined) throw new OAuthError('invalid_request', `parameter ${repeated} must not be repeated`);
  await next();
};
