import type { Browser, Page, WebSocketRoute } from 'playwright-core';
import { io } from 'socket.io-client';
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { HostSnapshot } from '../../server/contracts/snapshots.ts';
import { PROTOCOL_VERSION } from '../../server/contracts/vocabulary.ts';
import type { ClientSocket } from '../helpers/app.ts';
import { hostDo } from '../helpers/contest-driver.ts';
import { follow } from '../helpers/snapshot-follower.ts';
import { launchBrowser, startDemoServer, type DemoServer } from './browser.ts';

/**
 * The projector must never stay frozen on an old picture because one answer went missing. Its
 * socket goes through a hand in the middle (Playwright's WebSocket routing) that loses what a bad
 * network or a busy server loses: an update to the room, the answers to `contest:sync`, the first
 * snapshot after connecting. The page must say it may be behind meanwhile, keep asking, and end up
 * showing what is current, with nothing else changing in the contest to rescue it.
 */

/** what the hand in the middle does with the frames of the projector's socket, changed by each test */
interface Hand {
  /** the next `state:patch` to the page is lost */
  dropNextPatch: boolean;
  /** the next `state:snapshot` to the page is lost */
  dropNextSnapshot: boolean;
  /** what becomes of each `contest:sync` the page sends: lost (never answered), refused as the server does when its database does not answer, or passed on */
  sync: () => 'lose' | 'refuse' | 'pass';
  /** the `contest:sync`s the page sent */
  syncs: number;
}

const hand: Hand = { dropNextPatch: false, dropNextSnapshot: false, sync: () => 'pass', syncs: 0 };

/** Socket.IO over a WebSocket: "42" + [event, payload] is an event, "42<id>[…]" one that wants an ack, "43<id>[…]" the ack */
const SYNC = /^42(\d+)\["contest:sync"/;

function intercept(route: WebSocketRoute): void {
  const server = route.connectToServer();
  route.onMessage((message) => {
    const sync = typeof message === 'string' ? SYNC.exec(message) : null;
    if (sync) {
      hand.syncs++;
      const fate = hand.sync();
      if (fate === 'lose') return;
      if (fate === 'refuse') {
        route.send(`43${sync[1]}${JSON.stringify([{ ok: false, error: { code: 'db_unavailable', message: 'the database did not answer; nothing was done' } }])}`);
        return;
      }
    }
    server.send(message);
  });
  server.onMessage((message) => {
    if (typeof message === 'string' && hand.dropNextPatch && message.startsWith('42["state:patch"')) {
      hand.dropNextPatch = false;
      return;
    }
    if (typeof message === 'string' && hand.dropNextSnapshot && message.startsWith('42["state:snapshot"')) {
      hand.dropNextSnapshot = false;
      return;
    }
    route.send(message);
  });
}

let demo: DemoServer;
let browser: Browser;
let host: { socket: ClientSocket; snapshot: () => HostSnapshot };

beforeAll(async () => {
  demo = await startDemoServer();
  browser = await launchBrowser();
  const token = new URLSearchParams(new URL(demo.links.host).hash.slice(1)).get('token');
  const socket: ClientSocket = io(demo.server.url, { auth: { token, protocol: PROTOCOL_VERSION }, transports: ['websocket'], forceNew: true });
  const page = follow<HostSnapshot>(socket);
  await new Promise((resolve) => socket.once('state:snapshot', resolve));
  host = { socket, snapshot: () => page.latest() };
}, 90_000);

afterAll(async () => {
  host?.socket.disconnect();
  await browser?.close();
  await demo?.stop();
});

async function projector(): Promise<Page> {
  const page = await (await browser.newContext({ viewport: { width: 1280, height: 720 }, locale: 'zh-CN' })).newPage();
  await page.routeWebSocket(/\/socket\.io\//, intercept);
  return page;
}

const stale = (page: Page) => page.getByTestId('stale-badge');

test('a missed update whose contest:sync goes unanswered, then is refused: the projector says it may be behind, asks again, and shows the current turn', async () => {
  const page = await projector();
  await page.goto(demo.links.display);
  await page.getByTestId('view-title').waitFor();
  await stale(page).waitFor({ state: 'detached' });

  // the turn starts and the projector misses it; the next update (the clock paused) shows the gap
  const presenter = host.snapshot().presenters.find((p) => p.position === 1)!.key;
  let refused = 0;
  let open = false;
  hand.syncs = 0;
  hand.sync = () => (open ? 'pass' : hand.syncs === 1 ? 'lose' : (refused++, 'refuse'));
  hand.dropNextPatch = true;
  await hostDo(host, 'turn:start', { presenter });
  await hostDo(host, 'clock:pause', {});

  // asked, the answer lost; asked again after its time-out, refused; asked again
  await expect.poll(() => refused, { timeout: 30_000 }).toBeGreaterThanOrEqual(2);
  // meanwhile the old picture stays, and says it may be old
  await stale(page).waitFor();
  expect(await page.getByTestId('view-title').count()).toBe(1);

  open = true;
  await page.getByTestId('view-turn').waitFor({ timeout: 30_000 });
  await stale(page).waitFor({ state: 'detached' });
  await page.close();
});

test('the first snapshot after connecting is lost: the projector asks for it by itself', async () => {
  hand.sync = () => 'pass';
  hand.dropNextSnapshot = true;
  const page = await projector();
  await page.goto(demo.links.display);
  await page.getByTestId('view-turn').waitFor({ timeout: 30_000 });
  await stale(page).waitFor({ state: 'detached' });
  expect(hand.dropNextSnapshot).toBe(false);
  await page.close();
});
