import { isIP } from 'node:net';
import type { LinkBase } from './contracts/admin-api.ts';

/**
 * Where the personal links point (the part before `/judge#token=…`). Phones on the venue Wi-Fi
 * open them, so an address that only works on the server's own computer (localhost, 127.x, ::1)
 * would print QR cards nobody can use: the admin pages opened at localhost (as the start banner
 * suggests) get links at the machine's LAN address instead, and the answer says when no address
 * the phones can reach is known, so the pages can warn and say how to fix it.
 */

type LinkBaseProblem = NonNullable<LinkBase['problem']>;

/** a host name or address without brackets, lower case */
const bare = (host: string) => host.toLowerCase().replace(/^\[(.*)\]$/, '$1');

function isLoopbackHost(host: string): boolean {
  const h = bare(host);
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  if (isIP(h) === 4) return h.startsWith('127.') || h === '0.0.0.0';
  if (isIP(h) === 6) return h === '::1' || h === '::' || /^::ffff:(127\.|0\.0\.0\.0$)/.test(h);
  return false;
}

function isLinkLocalHost(host: string): boolean {
  const h = bare(host);
  return (isIP(h) === 4 && h.startsWith('169.254.')) || (isIP(h) === 6 && /^fe[89ab]/.test(h));
}

/** HOST names one address of this machine (not every interface): links should use that address */
function specificAddress(listenHost: string): string | null {
  const h = bare(listenHost);
  return h === '0.0.0.0' || h === '::' || h === '' ? null : h;
}

const hostPart = (address: string) => (isIP(address) === 6 ? `[${address}]` : address);

function problemOf(host: string): LinkBaseProblem | null {
  if (isLoopbackHost(host)) return 'loopback';
  if (isLinkLocalHost(host)) return 'link_local';
  return null;
}

export function chooseLinkBase(args: {
  /** PUBLIC_URL, as config read it */
  publicUrl: string | null;
  /** HOST: the address the server listens on */
  listenHost: string;
  /** the machine's address on the local network (banner.ts lanAddress), null when offline */
  lanAddress: string | null;
  /** how the caller reached us: 'http' and the Host header ('localhost:3000') */
  requestProtocol: string;
  requestHost: string;
}): LinkBase {
  if (args.publicUrl !== null) {
    return { url: args.publicUrl, source: 'public_url', problem: problemOf(new URL(args.publicUrl).hostname) };
  }
  let reached: URL;
  try {
    reached = new URL(`${args.requestProtocol}://${args.requestHost}`);
  } catch {
    reached = new URL('http://localhost');
  }
  const origin = reached.origin;
  const listen = specificAddress(args.listenHost);
  if (listen !== null && isLoopbackHost(listen)) return { url: origin, source: 'request', problem: 'local_only' };
  if (!isLoopbackHost(reached.hostname)) return { url: origin, source: 'request', problem: problemOf(reached.hostname) };
  // reached at localhost: the port is the server's own (nothing sits between), the host is the LAN's
  const lan = listen ?? args.lanAddress;
  if (lan === null) return { url: origin, source: 'request', problem: 'no_network' };
  const port = reached.port ? `:${reached.port}` : '';
  return { url: `${reached.protocol}//${hostPart(lan)}${port}`, source: 'lan', problem: problemOf(lan) };
}
