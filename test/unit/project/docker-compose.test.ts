import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

// No Docker engine runs on the build machines, so the production compose file is checked for the
// shape that makes it work: the app waits for a healthy Postgres 16 with a volume, and is wired to it.
const compose = parse(readFileSync(new URL('../../../docker-compose.yml', import.meta.url), 'utf8'));
const dockerfile = readFileSync(new URL('../../../Dockerfile', import.meta.url), 'utf8');
const nginx = readFileSync(new URL('../../../deploy/nginx.conf', import.meta.url), 'utf8');
const deployDoc = readFileSync(new URL('../../../docs/deploy.md', import.meta.url), 'utf8');

describe('docker-compose.yml for production', () => {
  it('runs the app behind nginx, and a postgres:16 database', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['app', 'db', 'proxy']);
    expect(compose.services.proxy.image).toMatch(/^nginx:\d+\.\d+$/);
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

  it('lets the app and nginx hold enough open files for a hall of phones', () => {
    expect(compose.services.app.ulimits.nofile).toEqual({ soft: 65536, hard: 65536 });
    expect(compose.services.proxy.ulimits.nofile).toEqual({ soft: 65536, hard: 65536 });
    expect(nginx).toMatch(/worker_rlimit_nofile 65536;/);
  });

  it('publishes nginx’s port only, so the app can be scaled, and nginx reaches the app on the port the image serves', () => {
    expect(compose.services.proxy.ports).toEqual(['${PORT:-3000}:3000']);
    expect(compose.services.app.ports).toBeUndefined();
    expect(compose.services.app.expose).toEqual(['3000']);
    expect(compose.services.app.environment.PORT).toBe('3000');
    expect(nginx).toMatch(/listen 3000;/);
    expect(nginx).toMatch(/server app:3000;/);
    expect(compose.services.proxy.volumes).toContain('./deploy/nginx.conf:/etc/nginx/nginx.conf:ro');
    expect(compose.services.proxy.depends_on.app.condition).toBe('service_healthy');
    expect(dockerfile).toMatch(/EXPOSE 3000/);
    expect(dockerfile).toMatch(/FROM node:20/);
  });

  it('passes WebSocket upgrades through, keeps a session on one process, and tells the app the client’s address', () => {
    expect(nginx).toMatch(/proxy_set_header Upgrade \$http_upgrade;/);
    expect(nginx).toMatch(/proxy_set_header Connection \$connection_upgrade;/);
    expect(nginx).toMatch(/proxy_http_version 1\.1;/);
    // the long-polling fallback needs every request of a session at the same process; ip_hash
    // would send a whole venue subnet (first three bytes) to one process
    expect(nginx).toMatch(/hash \$remote_addr consistent;/);
    expect(nginx).not.toMatch(/^\s*ip_hash;/m);
    expect(nginx).toMatch(/proxy_set_header X-Forwarded-For/);
    expect(compose.services.app.environment.TRUST_PROXY).toBe('true');
    // longer than Socket.IO's ping interval + time-out (10 s + 8 s, realtime/socket.plugin.ts)
    expect(Number(/proxy_read_timeout (\d+)s;/.exec(nginx)![1])).toBeGreaterThan(18);
  });

  it('gives Postgres connections enough for the scale the deploy guide shows: processes × (pool + 3 for the cluster)', () => {
    const pool = Number(/\$\{DATABASE_POOL_SIZE:-(\d+)\}/.exec(compose.services.app.environment.DATABASE_POOL_SIZE)![1]);
    const maxConnections = Number(/max_connections=(\d+)/.exec(compose.services.db.command.join(' '))![1]);
    const scales = [...deployDoc.matchAll(/--scale app=(\d+)/g)].map((m) => Number(m[1]));
    expect(scales.length).toBeGreaterThan(0);
    // a few for psql and Postgres's reserved superuser connections
    expect(Math.max(...scales) * (pool + 3) + 5).toBeLessThanOrEqual(maxConnections);
  });
});
