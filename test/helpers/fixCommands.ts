/**
 * Every command a fix (from `flows` or `doctor`) tells people to run, as the words after
 * `node dist/cli.js`. A command with a placeholder (YOUR_VENDOR_ID, URI, NAME, …) is a template
 * for a person, not runnable as is.
 */
export function suggestedCommands(fix: string): string[][] {
  return [...fix.matchAll(/node dist\/cli\.js ((?:(?! \().)+)/g)]
    .map((match) => match[1]!.replace(/[.;,]$/, '').split(' '))
    .filter((argv) => !argv.some((word) => /^[A-Z_]{3,}$/.test(word) || word === '…'));
}
