// The sign-in page, its messages and the error page in English, German and Russian, chosen
// from Accept-Language; every catalogue has exactly the English one's keys and placeholders.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { catalogues, LANGUAGES } from '../src/i18n/catalogue.ts';
import { en } from '../src/i18n/en.ts';
import { pickLanguage } from '../src/i18n/language.ts';
import { translator, Wait } from '../src/i18n/translate.ts';
import { authorizeQuery, getPage, postForm, submitConsent } from './helpers/http.ts';
import { NO_ADMIN } from './helpers/diagnostics.ts';
import { sharedBridge } from './helpers/oauth.ts';

const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((match) => match[1]).sort();

test('every catalogue has the same keys as English, each with the same placeholders, none left empty', () => {
  for (const language of LANGUAGES) {
    const catalogue = catalogues[language];
    assert.deepEqual(Object.keys(catalogue).sort(), Object.keys(en).sort(), language);
    for (const [key, text] of Object.entries(catalogue)) {
      assert.ok(text.trim(), `${language} ${key} is empty`);
      assert.deepEqual(placeholders(text), placeholders(en[key as keyof typeof en]), `${language} ${key}`);
    }
  }
});

test('Accept-Language picks English, German or Russian by preference, English otherwise', () => {
  const cases: [string | undefined, string][] = [
    [undefined, 'en'],
    ['', 'en'],
    ['de-DE,de;q=0.9,en;q=0.8', 'de'],
    ['de-AT', 'de'],
    ['ru', 'ru'],
    ['RU-ru', 'ru'],
    ['fr-FR,fr;q=0.9', 'en'],
    ['fr, de;q=0.5', 'de'],
    ['en;q=0.1, ru;q=0.9', 'ru'],
    ['de;q=0, ru;q=0', 'en'],
    ['*', 'en'],
    ['nonsense;;;,q=', 'en'],
  ];
  for (const [header, language] of cases) assert.equal(pickLanguage(header), language, String(header));
});

test('a wait is said in the page’s language', () => {
  assert.equal(translator('en').text('consent.message.tooManyFailures', { wait: new Wait(60) }), 'Too many failed sign-ins. Try again in 60 seconds.');
  assert.equal(translator('de').text('consent.message.tooManyFailures', { wait: new Wait(300) }), 'Zu viele fehlgeschlagene Anmeldungen. Versuche es in 5 Minuten erneut.');
  assert.equal(translator('ru').text('consent.message.tooManyFailures', { wait: new Wait(86_400) }), 'Слишком много неудачных попыток входа. Попробуйте снова через 24 часа.');
});

const bridge = sharedBridge({ env: NO_ADMIN });

test('the sign-in page in German: lang, labels, buttons, and no English left', async () => {
  const response = await fetch(`${bridge().url}/alexa/authorize?${authorizeQuery()}`, { headers: { 'accept-language': 'de-DE,de;q=0.9,en;q=0.5' } });
  const html = await response.text();
  assert.match(response.headers.get('vary') ?? '', /Accept-Language/i);
  assert.match(html, /<html lang="de">/);
  assert.match(html, /<h1>Music Skill verknüpfen<\/h1>/);
  assert.match(html, /<strong>Music Skill<\/strong> möchte dein Konto in diesem Haushalt verwenden\./);
  assert.match(html, /<button type="submit" name="decision" value="approve" class="primary">Erlauben<\/button>/);
  assert.match(html, /<label for="password">Passwort<\/label>/);
  for (const key of ['consent.access', 'consent.username', 'consent.allow', 'consent.deny'] as const) {
    assert.ok(!html.includes(`>${en[key]}<`), `English “${en[key]}” is left on the German page`);
  }
});

test('the page’s messages follow the language: a wrong password in Russian', async () => {
  const shown = await fetch(`${bridge().url}/alexa/authorize?${authorizeQuery()}`, { headers: { 'accept-language': 'ru' } });
  const html = await shown.text();
  assert.match(html, /<html lang="ru">/);
  assert.match(html, /Разрешить/);
  const cookie = shown.headers.getSetCookie()[0]!.split(';')[0]!;
  const hidden = Object.fromEntries([...html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)].map((m) => [m[1]!, m[2]!.replace(/&#(\d+);/g, (_, c: string) => String.fromCharCode(Number(c)))]));
  const response = await postForm(
    `${bridge().url}/alexa/authorize`,
    new URLSearchParams({ ...hidden, username: 'alice', password: 'wrong password', decision: 'approve' }),
    { cookie, 'accept-language': 'ru' },
  );
  assert.match(await response.text(), /<p class="error" role="alert">Неверное имя пользователя или пароль\.<\/p>/);
});

test('the error page speaks German too, and still carries its reference', async () => {
  const response = await fetch(`${bridge().url}/alexa/authorize?${authorizeQuery({ client_id: 'nobody' })}`, { headers: { 'accept-language': 'de' } });
  const html = await response.text();
  assert.equal(response.status, 400);
  assert.match(html, /<h1>Unbekannte Anwendung<\/h1>/);
  assert.match(html, /Hier ist keine Anwendung mit der Client-ID „nobody“ registriert\./);
  assert.match(html, /unter der Referenz <code>[0-9a-f]{20}<\/code> nachsehen/);
});

test('without Accept-Language, English, exactly as before', async () => {
  const page = await getPage(bridge().url, authorizeQuery());
  assert.match(page.html, /<html lang="en">/);
  assert.match(page.html, /<strong>Music Skill<\/strong> asks to use your household account\./);
  const refused = await submitConsent(bridge().url, page, { password: 'nope nope nope' });
  assert.match(await refused.text(), /The username or password is not right\./);
});
