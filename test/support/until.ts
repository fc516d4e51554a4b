/** Polls `cond` until it holds, or fails naming `what` after `timeoutMs` (tests wait on observable state, not sleeps). */
export async function until(cond: () => boolean | Promise<boolean>, what: string, timeoutMs = 15_000, intervalMs = 20): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(`timed out waiting for ${what}`);
}
