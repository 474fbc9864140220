/** Polling for tests that wait on another process (a plugin, a script, an API server). */

export interface EventuallyOptions {
  /** How long to wait before failing; 30 s unless told. */
  readonly timeoutMs?: number;
  /** The pause between checks; 200 ms unless told. */
  readonly intervalMs?: number;
}

/** Checks `check` until it holds; fails naming `what` once `timeoutMs` has passed. */
export async function eventually(
  what: string,
  check: () => boolean | Promise<boolean>,
  { timeoutMs = 30_000, intervalMs = 200 }: EventuallyOptions = {},
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await new Promise((wait) => setTimeout(wait, intervalMs));
  }
}
