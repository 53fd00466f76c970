import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../../server/config.ts';

describe('DATABASE_TIMEOUT_MS', () => {
  it('is 5 s when unset, and takes whole milliseconds from 500 to 60000', () => {
    expect(loadConfig({}).databaseTimeoutMs).toBe(5000);
    expect(loadConfig({ DATABASE_TIMEOUT_MS: '2000' }).databaseTimeoutMs).toBe(2000);
  });

  it('stops the server with a line naming it for anything else', () => {
    for (const wrong of ['100', '60001', '2.5', '5s', '-1']) {
      expect(() => loadConfig({ DATABASE_TIMEOUT_MS: wrong })).toThrow(ConfigError);
      expect(() => loadConfig({ DATABASE_TIMEOUT_MS: wrong })).toThrow(/^DATABASE_TIMEOUT_MS must be .*got "/);
    }
  });
});
