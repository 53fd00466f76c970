import { afterEach, describe, expect, it, vi } from 'vitest';
import { printBanner } from '../../../server/banner.ts';
import { loadConfig } from '../../../server/config.ts';
import type { DatabaseHandle } from '../../../server/db/connection.ts';

/** The start banner's "on the venue network" line: the address phones are told to use, and why they cannot when they cannot. */
async function venueLine(env: Record<string, string>, lan: string | null): Promise<string> {
  const written: string[] = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => (written.push(String(chunk)), true));
  await printBanner({
    config: loadConfig({ PORT: '3000', ...env }),
    handle: { kind: 'postgres' } as DatabaseHandle,
    secrets: { linkSecret: 'x'.repeat(32), adminTokenHash: '', newAdminToken: null },
    contests: [],
    demoId: null,
    openFiles: null,
    interactive: true,
    lan,
  });
  vi.restoreAllMocks();
  return /on the venue network: (.*)/.exec(written.join(''))![1]!.trim();
}

describe('the start banner tells the organiser where phones can reach the server', () => {
  afterEach(() => vi.restoreAllMocks());

  it('listening on every interface: the machine’s LAN address, the same one the admin pages put on QR cards', async () => {
    expect(await venueLine({}, '192.168.1.20')).toBe('http://192.168.1.20:3000');
  });

  it('HOST=127.0.0.1: says phones cannot join and how to fix it, instead of printing a LAN address nothing answers on', async () => {
    const line = await venueLine({ HOST: '127.0.0.1' }, '192.168.1.20');
    expect(line).not.toContain('192.168.1.20');
    expect(line).toMatch(/HOST=127\.0\.0\.1 listens on this machine only: phones cannot join; unset HOST or set HOST=0\.0\.0\.0/);
  });

  it('no network: says phones cannot join yet', async () => {
    expect(await venueLine({}, null)).toMatch(/no network found: phones cannot join yet/);
  });

  it('PUBLIC_URL wins, and a PUBLIC_URL that names this machine only is called out', async () => {
    expect(await venueLine({ PUBLIC_URL: 'https://score.example.cn' }, '192.168.1.20')).toBe('https://score.example.cn');
    expect(await venueLine({ PUBLIC_URL: 'http://localhost:3000' }, '192.168.1.20')).toMatch(/PUBLIC_URL names this machine only/);
  });
});
