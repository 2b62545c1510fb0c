/** One thing `doctor` looked at: pass, warn (works, but will hurt) or fail (linking cannot work). */
export interface Check {
  id: string;
  title: string;
  status: 'pass' | 'warn' | 'fail';
  /** What was found. */
  message: string;
  /** What to do about it, for warn and fail. */
  fix?: string;
}

export function pass(id: string, title: string, message: string): Check {
  return { id, title, status: 'pass', message };
}

export function warn(id: string, title: string, message: string, fix: string): Check {
  return { id, title, status: 'warn', message, fix };
}

export function fail(id: string, title: string, message: string, fix: string): Check {
  return { id, title, status: 'fail', message, fix };
}
