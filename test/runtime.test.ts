import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';

describe('runtime', () => {
  it('runs on Node 24 or newer, as package.json engines declares', () => {
    const major = Number(process.versions.node.split('.')[0]);
    expect(major).toBeGreaterThanOrEqual(24);
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { engines: { node: string } };
    expect(pkg.engines.node).toBe('>=24');
    expect(process.version).toMatch(/^v(2[4-9]|[3-9]\d)\./);
  });
});
