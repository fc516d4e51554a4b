/**
 * The loop every poller shares: polls never overlap (a second `pollOnce` waits for the first, then reads
 * from its checkpoint), `start` polls now and then every `intervalMs` after each poll ends, and `stop`
 * waits for a poll in progress, which sees `stopping` and ends after its current page.
 */
export interface PollLoop<R> {
  pollOnce(): Promise<R>;
  /** Polls now and then every `intervalMs` after each poll ends; no-op when running. */
  start(intervalMs: number): void;
  /** Stops the loop and waits for the poll in progress. */
  stop(): Promise<void>;
  /** True while `stop` is waiting: a poll should end after its current page. */
  readonly stopping: boolean;
}

/** A loop around `run` (one poll); errors of background polls go to `onError`, a `pollOnce` caller gets them. */
export function createPollLoop<R>(run: () => Promise<R>, onError?: (e: unknown) => void): PollLoop<R> {
  let chain: Promise<unknown> = Promise.resolve();
  let timer: ReturnType<typeof setTimeout> | undefined;
  let current: Promise<void> | undefined;
  let running = false;
  let stopping = false;
  const pollOnce = (): Promise<R> => {
    const next = chain.then(run, run);
    chain = next.catch(() => undefined);
    return next;
  };
  const tick = (intervalMs: number): void => {
    timer = undefined;
    current = pollOnce()
      .then(() => undefined, (e: unknown) => onError?.(e))
      .finally(() => {
        current = undefined;
        if (running) timer = setTimeout(() => tick(intervalMs), intervalMs);
      });
  };
  return {
    pollOnce,
    get stopping() {
      return stopping;
    },
    start(intervalMs) {
      if (running) return;
      running = true;
      stopping = false;
      tick(intervalMs);
    },
    async stop() {
      running = false;
      stopping = true;
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      await current;
      stopping = false;
    },
  };
}
