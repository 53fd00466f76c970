import { randomBytes } from 'node:crypto';
import { io as connectSocket } from 'socket.io-client';
import type { AudienceSnapshot, VoteReceipt } from '../../server/contracts/snapshots.ts';
import { PROTOCOL_VERSION } from '../../server/contracts/vocabulary.ts';
import type { ClientSocket } from './app.ts';
import { follow } from './snapshot-follower.ts';
import { ack, type Ack } from './contest-driver.ts';

/**
 * Phones in the hall, as the watch page is one: it asks the server for a voter id
 * (POST /api/watch/:code/voter, which sets the httpOnly cookie and answers the secret), then joins
 * the audience with the cookie (or, like a browser that dropped it, with the secret from local
 * storage in the handshake) and casts votes with its own vote ids.
 */

export interface Voter {
  socket: ClientSocket;
  /** the secret the server handed out (the cookie's value) */
  secret: string;
  /** what the phone showed (whole snapshots and ones rebuilt from patches, test/helpers/snapshot-follower.ts) */
  frames: AudienceSnapshot[];
  latest(): AudienceSnapshot;
  /** how often a gap in the patches made the phone ask contest:sync */
  resyncs(): number;
  /** casts a vote; `voteId` defaults to a fresh one */
  vote(presenter: string, value: number | string, voteId?: string, entryCode?: string): Promise<Ack<VoteReceipt>>;
}

export const voteId = (): string => randomBytes(9).toString('base64url');

/** The cookie and the secret a fresh phone gets from the server. */
async function voterSecret(url: string, code: string, kept?: string): Promise<{ secret: string; cookie: string }> {
  const response = await fetch(`${url}/api/watch/${code}/voter`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(kept ? { voter: kept } : {}) });
  if (response.status !== 200) throw new Error(`POST /api/watch/${code}/voter answered ${response.status}: ${await response.text()}`);
  const { voter } = (await response.json()) as { voter: string };
  const cookie = response.headers.get('set-cookie')!.split(';')[0]!;
  return { secret: voter, cookie };
}

/** A phone on the audience page; `via` how it presents its voter id: the cookie (default), local storage only, or none at all. */
export async function openVoter(url: string, code: string, via: 'cookie' | 'storage' | 'none' = 'cookie'): Promise<Voter> {
  const { secret, cookie } = via === 'none' ? { secret: '', cookie: '' } : await voterSecret(url, code);
  // A page whose connection the server closed before its handshake (the connection guard closes
  // the oldest of more than 64 waiting connections from one address: this process is one address
  // for hundreds of phones) tries again, as the watch page does; so does this phone, twice.
  for (let attempt = 1; ; attempt++) {
    const socket: ClientSocket = connectSocket(url, {
      auth: { watch: code, protocol: PROTOCOL_VERSION, ...(via === 'storage' ? { voter: secret } : {}) },
      ...(via === 'cookie' ? { extraHeaders: { cookie } } : {}),
      transports: ['websocket'],
      reconnection: false,
      forceNew: true,
    });
    const follower = follow<AudienceSnapshot>(socket);
    const joined = await new Promise<Error | null>((resolve) => {
      socket.once('connect_error', (error) => resolve(error));
      socket.once('state:snapshot', () => resolve(null));
    });
    if (joined && attempt < 3 && !joined.message.startsWith('unauthorized')) {
      socket.close();
      await new Promise((r) => setTimeout(r, 200 * attempt));
      continue;
    }
    if (joined) {
      socket.close();
      throw joined;
    }
    return voter(socket, secret, follower);
  }
}

function voter(socket: ClientSocket, secret: string, follower: ReturnType<typeof follow<AudienceSnapshot>>): Voter {
  return {
    socket,
    secret,
    frames: follower.frames,
    latest: follower.latest,
    resyncs: follower.resyncs,
    vote: (presenter, value, id = voteId(), entryCode) => ack<VoteReceipt>(socket, 'vote:cast', { presenter, value, voteId: id, ...(entryCode === undefined ? {} : { entryCode }) }),
  };
}

/** The small contest with a 10 % audience panel (主评委 0.6, 测评 0.3, 大众评审 0.1 on 1–10, 10 % trimmed). */
export function withAudiencePanel<T extends { rules: { panels: Array<Record<string, unknown>> } }>(file: T, trimPercent = 10): T {
  const copy = structuredClone(file);
  copy.rules.panels[0]!.weight = Number((Number(copy.rules.panels[0]!.weight) - 0.1).toFixed(4));
  copy.rules.panels.push({ key: 'public', name: '大众评审', kind: 'audience', weight: 0.1, scale: { min: 1, max: 10, step: 1 }, trimPercent });
  return copy;
}
