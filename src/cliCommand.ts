/**
 * How every message, page and document names the command line: the local build, run from the
 * project folder (`/app` in the add-on). Never `npx alexa-oauth-bridge`: outside the project
 * folder npx asks the public registry for that name, and a password piped into it would go to
 * whoever published it.
 */
export const LOCAL_CLI = 'node dist/cli.js';
