import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import type { HostSnapshot, JudgeSnapshot, SheetReceipt, Snapshot } from '../../server/contracts/snapshots.ts';
import type { AckResult } from '../../server/contracts/socket.ts';
import { TEST_ADMIN_TOKEN, type ClientSocket } from './app.ts';
import { ROOT } from './server-process.ts';

/** Test helpers that act like the real clients: create a contest over the admin API, connect as host and judges. */

export const SMALL_CONTEST = JSON.parse(readFileSync(new URL('../fixtures/small-contest.json', import.meta.url), 'utf8'));

export interface CreatedContest {
  id: string;
  hostUrl: string;
  displayUrl: string;
  /** the audience page, /watch/<code> */
  watchUrl: string;
  judges: Array<{ key: string; name: string; url: string }>;
}

export const tokenOf = (url: string): string => new URL(url).hash.replace('#token=', '');

/**
 * A request to the server as an organiser's script makes it: with the admin token as a Bearer
 * header, unless `token` names another one (null: no Authorization header at all).
 */
export function adminFetch(baseUrl: string, path: string, init: Omit<RequestInit, 'headers'> & { headers?: Record<string, string>; token?: string | null } = {}): Promise<Response> {
  const { token = TEST_ADMIN_TOKEN, headers = {}, ...rest } = init;
  return fetch(`${baseUrl}${path}`, { ...rest, headers: { ...(token === null ? {} : { authorization: `Bearer ${token}` }), ...headers } });
}

export async function createContestOverApi(baseUrl: string, file: unknown = SMALL_CONTEST): Promise<CreatedContest> {
  const response = await adminFetch(baseUrl, '/api/contests', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(file) });
  if (response.status !== 201) throw new Error(`POST /api/contests answered ${response.status}: ${await response.text()}`);
  return (await response.json()) as CreatedContest;
}

/** `npm run --silent recount -- FILE` on a contest file, as an organiser runs it: the independent count, parsed. */
export async function recountFile<R = { presenter: string; rank: number | null; final: string | null; award: string | null }>(file: string): Promise<{ results: R[] }> {
  const { stdout } = await promisify(execFile)('npm', ['run', '--silent', 'recount', '--', file], { cwd: ROOT });
  return JSON.parse(stdout) as { results: R[] };
}

export function submissionId(): string {
  return randomBytes(12).toString('base64url');
}

/** Deterministic but varied items for (presenter, judge) within the small contest's rubric. */
export function itemsFor(presenter: string, judge: string): { content: string; delivery: string } {
  const seed = [...`${presenter}/${judge}`].reduce((h, c) => (h * 31 + c.charCodeAt(0)) % 9973, 7);
  const content = 40 + (seed % 40) / 2; // 40 … 59.5 in halves
  const delivery = 25 + ((seed >> 3) % 30) / 2; // 25 … 39.5
  return { content: String(content), delivery: String(delivery) };
}

export type Ack<T extends object = object> = AckResult<T>;

export async function ack<T extends object = { version: number }>(socket: ClientSocket, event: string, payload: unknown): Promise<Ack<T>> {
  return (await (socket.emitWithAck as (e: string, p: unknown) => Promise<unknown>)(event, payload)) as Ack<T>;
}

/** Sends a host command with the turnsVersion of the latest host snapshot, and expects it to succeed. */
export async function hostDo(host: { socket: ClientSocket; snapshot: () => HostSnapshot }, event: string, payload: Record<string, unknown> = {}): Promise<void> {
  const result = await ack(host.socket, event, { ...payload, turnsVersion: host.snapshot().turnsVersion });
  if (!result.ok) throw new Error(`${event} refused: ${result.error.code}: ${result.error.message}`);
  await waitFor(() => host.snapshot().version >= (result as { version: number }).version);
}

export async function submit(judge: { socket: ClientSocket }, presenter: string, items: Record<string, string>, id = submissionId()): Promise<Ack<SheetReceipt>> {
  return ack<SheetReceipt>(judge.socket, 'sheet:submit', { presenter, items, submissionId: id });
}

// 15 s: a deadline for "it happens", not a speed check; under a loaded CI machine (three test files
// on two cores, servers and browsers among them) 5 s timed out on things that then happened
export async function waitFor(condition: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out waiting for a condition');
    await new Promise((r) => setTimeout(r, 10));
  }
}
