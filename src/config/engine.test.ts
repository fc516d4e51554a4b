import { describe, expect, it } from 'vitest';
import { interpolateEnv, resolveEngineSettings } from './engine.ts';

describe('engine settings', () => {
  it('reads secrets from the environment and names the key of a missing one', () => {
    expect(interpolateEnv({ http: { tokens: ['${TOK}'] } }, { TOK: 'secret-token-123456' })).toEqual({ http: { tokens: ['secret-token-123456'] } });
    expect(() => interpolateEnv({ http: { tokens: ['${NOPE}'] } }, {})).toThrow(/engine\.http\.tokens\[0\]: environment variable NOPE is not set/);
  });

  it('applies DATABASE_URL and REDIS_URL when the file names neither', () => {
    const s = resolveEngineSettings({}, { DATABASE_URL: 'postgres://127.0.0.1/test', REDIS_URL: 'redis://127.0.0.1:6379' });
    expect(s.database).toEqual({ url: 'postgres://127.0.0.1/test' });
    expect(s.redis).toEqual({ url: 'redis://127.0.0.1:6379' });
    expect(resolveEngineSettings({ database: { dataDir: './data' } }, { DATABASE_URL: 'postgres://x/y' }).database).toEqual({ dataDir: './data' });
  });

  it('fills defaults and rejects unknown keys and destinations with a path', () => {
    const s = resolveEngineSettings({ mllp: { port: 2575 }, destinations: { ris: { mllp: { host: 'ris', port: 2576 } } } }, {});
    expect(s.mllp).toEqual({ host: '127.0.0.1', port: 2575 });
    expect(s.sweepIntervalMs).toBe(60_000);
    expect(() => resolveEngineSettings({ destinations: { lab: {} } }, {}, 'acclink.yaml')).toThrow(/acclink.yaml: engine.destinations/);
    expect(() => resolveEngineSettings({ http: { port: 8080, tokens: [] } }, {})).toThrow(/engine.http.tokens/);
    const console = { secret: 'x'.repeat(32), auth: { mode: 'proxy' } };
    expect(() => resolveEngineSettings({ console }, {})).toThrow(/engine.console: .*engine.http/);
    expect(resolveEngineSettings({ console, http: { port: 0, tokens: ['t'.repeat(16)] } }, {}).console?.secureCookie).toBe(true);
  });
});
