import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

// No Docker engine runs on the build machines, so the production compose file is checked for the
// shape that makes it work: the app waits for a healthy Postgres 16 with a volume, and is wired to it.
const compose = parse(readFileSync(new URL('../../../docker-compose.yml', import.meta.url), 'utf8'));
const dockerfile = readFileSync(new URL('../../../Dockerfile', import.meta.url), 'utf8');

describe('docker-compose.yml for production', () => {
  it('runs the app and a postgres:16 database', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['app', 'db']);
    expect(compose.services.db.image).toBe('postgres:16');
    expect(compose.services.app.build).toBe('.');
  });

  it('keeps the database on a named volume', () => {
    expect(compose.services.db.volumes).toContain('leitai-db:/var/lib/postgresql/data');
    expect(compose.volumes).toHaveProperty('leitai-db');
  });

  it('wires DATABASE_URL to the db service with the same user, password and database it creates', () => {
    const url = new URL(compose.services.app.environment.DATABASE_URL.replace('${POSTGRES_PASSWORD:-leitai}', 'leitai'));
    const db = compose.services.db.environment;
    expect(url.protocol).toBe('postgres:');
    expect(url.hostname).toBe('db');
    expect(url.port).toBe('5432');
    expect(url.username).toBe(db.POSTGRES_USER);
    expect(url.pathname).toBe(`/${db.POSTGRES_DB}`);
    expect(db.POSTGRES_PASSWORD).toBe('${POSTGRES_PASSWORD:-leitai}');
  });

  it('starts the app only once the database reports healthy, and checks the app through /healthz', () => {
    expect(compose.services.app.depends_on.db.condition).toBe('service_healthy');
    expect(compose.services.db.healthcheck.test.join(' ')).toMatch(/pg_isready -U leitai -d leitai/);
    expect(compose.services.app.healthcheck.test.join(' ')).toMatch(/\/healthz/);
  });

  it('lets the app hold enough open files for a hall of phones', () => {
    expect(compose.services.app.ulimits.nofile).toEqual({ soft: 65536, hard: 65536 });
  });

  it('publishes the app’s port, and the image serves on the same port', () => {
    expect(compose.services.app.ports).toEqual(['${PORT:-3000}:3000']);
    expect(compose.services.app.environment.PORT).toBe('3000');
    expect(dockerfile).toMatch(/EXPOSE 3000/);
    expect(dockerfile).toMatch(/FROM node:20/);
  });
});
