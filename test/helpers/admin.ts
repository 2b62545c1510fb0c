import assert from 'node:assert/strict';
import { sendToDaemon } from '../../src/control/socket.ts';

/**
 * Signs in to a running daemon's admin page the way a person does outside ingress: a one-time
 * link from the control socket (what `admin-link` asks for), opened once. Returns the session
 * cookie as `name=value`.
 */
export async function adminSessionCookie(dataDir: string): Promise<string> {
  const reply = await sendToDaemon(dataDir, 'admin link', {});
  assert.ok(reply?.ok, `admin link: ${JSON.stringify(reply)}`);
  const { url } = reply.result as { url: string };
  const response = await fetch(url, { redirect: 'manual' });
  assert.equal(response.status, 303, `sign-in link answered ${response.status}`);
  const cookie = response.headers.getSetCookie().find((line) => line.startsWith('admin_session='));
  assert.ok(cookie, 'the sign-in link sets the session cookie');
  return cookie.split(';')[0]!;
}
