/**
 * How every message, page and document names the command line: the local build, run from the
 * project folder (`/app` in the add-on). Never `npx alexa-oauth-bridge`: outside the project
 * folder npx asks the public registry for that name, and a password piped into it would go to
 * whoever published it.
 */
export const LOCAL_CLI = 'node dist/cli.js';

const PLAIN_WORD = /^[A-Za-z0-9_@%+=:,./-]+$/;

/**
 * `value` as one POSIX shell word, for the commands that messages print to be pasted: unchanged
 * when it holds only characters no shell treats specially, else single-quoted (a `'` inside as
 * `'\''`). Client ids and usernames reach those commands from requests, so an attacker chose them.
 */
export function shellWord(value: string): string {
  return PLAIN_WORD.test(value) ? value : `'${value.replaceAll("'", `'\\''`)}'`;
}

/**
 * Operands (positional arguments) as shell words, for a printed command whose options all come
 * before them: after `--` when one of them starts with a dash, which the CLI would otherwise read
 * as an option (a user may be named `-bob`).
 */
export function shellOperands(...values: string[]): string {
  const words = values.map(shellWord).join(' ');
  return values.some((value) => value.startsWith('-')) ? `-- ${words}` : words;
}
