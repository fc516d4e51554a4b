/**
 * Keyed mutual exclusion within one process: the lock of the memory and PGlite stores, which one process
 * owns (PostgreSQL uses advisory locks instead, shared by every process on the database).
 */

/** Runs `fn` after every earlier holder of `key` has finished; returns a function that does so. */
export function createKeyedMutex(): <T>(key: string, fn: () => Promise<T>) => Promise<T> {
  const tails = new Map<string, Promise<unknown>>();
  return async <T>(key: string, fn: () => Promise<T>): Promise<T> => {
    const before = tails.get(key) ?? Promise.resolve();
    const run = before.catch(() => undefined).then(fn);
    const tail = run.catch(() => undefined);
    tails.set(key, tail);
    try {
      return await run;
    } finally {
      if (tails.get(key) === tail) tails.delete(key);
    }
  };
}
