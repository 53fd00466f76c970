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

describe('CLUSTER', () => {
  const postgres = { DATABASE_URL: 'postgres://leitai@db:5432/leitai' };

  it('joins the other processes on the same Postgres unless CLUSTER says no', () => {
    expect(loadConfig(postgres).cluster).toBe(true);
    expect(loadConfig({ ...postgres, CLUSTER: '0' }).cluster).toBe(false);
    expect(loadConfig({ ...postgres, CLUSTER: 'false' }).cluster).toBe(false);
  });

  it('is off on the embedded database, which one process holds alone', () => {
    expect(loadConfig({}).cluster).toBe(false);
    expect(loadConfig({ CLUSTER: '1' }).cluster).toBe(false);
  });

  it('stops the server with a line naming it for a value that is not yes or no', () => {
    expect(() => loadConfig({ ...postgres, CLUSTER: 'maybe' })).toThrow(/^CLUSTER must be true or false, got "maybe"/);
  });
});

describe('DATABASE_POOL_SIZE', () => {
  it('is 10 connections when unset, and takes 2 to 200', () => {
    expect(loadConfig({}).databasePoolSize).toBe(10);
    expect(loadConfig({ DATABASE_POOL_SIZE: '4' }).databasePoolSize).toBe(4);
    for (const wrong of ['1', '201', 'ten', '2.5']) expect(() => loadConfig({ DATABASE_POOL_SIZE: wrong })).toThrow(/^DATABASE_POOL_SIZE must be a whole number from 2 to 200, got "/);
  });
});
