/** An admin command that cannot be done, said in one plain line (CLI exit status 1). */
export class CommandFailure extends Error {}
