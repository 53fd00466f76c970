/**
 * The admin pages' one way to the server: fetch with the admin cookie (sent by the browser, never
 * readable by scripts), answers typed by server/contracts/admin-api.ts. A refusal becomes an ApiError with
 * the server's code and message; a 401 also tells the session so the login form comes back.
 */

import { lang } from '../lib/i18n.ts';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** the whole answer, for refusals that carry more (an import preview) */
    readonly body: unknown = null,
  ) {
    super(message);
  }
}

const unauthorisedListeners: Array<() => void> = [];

/** called when any request answers 401: the cookie expired or was never set. Returns an unsubscribe. */
export function onUnauthorised(listener: () => void): () => void {
  unauthorisedListeners.push(listener);
  return () => {
    const i = unauthorisedListeners.indexOf(listener);
    if (i >= 0) unauthorisedListeners.splice(i, 1);
  };
}

interface RequestOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** sent as JSON */
  json?: unknown;
  /** sent as it is (a spreadsheet) */
  raw?: Blob | ArrayBuffer;
  /** JSON text sent as it is, so no number passes through a double (a contest file from disk) */
  jsonText?: string;
  /** a 401 here is an answer, not an expired session (the login itself) */
  loginRequest?: boolean;
  /** more request headers (If-Match with the revision an edit was made on) */
  headers?: Record<string, string>;
}

export async function api<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { ...options.headers };
  let body: BodyInit | undefined;
  if (options.json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(options.json);
  } else if (options.jsonText !== undefined) {
    headers['content-type'] = 'application/json';
    body = options.jsonText;
  } else if (options.raw !== undefined) {
    headers['content-type'] = 'application/octet-stream';
    body = options.raw;
  }
  let response: Response;
  try {
    response = await fetch(`/api${path}`, { method: options.method ?? (body === undefined ? 'GET' : 'POST'), headers, body, credentials: 'same-origin' });
  } catch {
    throw new ApiError(0, 'network', lang === 'en' ? 'Cannot reach the server. Check the network and try again.' : '无法连接服务器，请检查网络后重试。');
  }
  const answer = (await response.json().catch(() => null)) as { ok?: boolean; error?: { code: string; message: string } } | null;
  if (!response.ok || !answer?.ok) {
    if (response.status === 401 && !options.loginRequest) for (const listener of unauthorisedListeners) listener();
    throw new ApiError(response.status, answer?.error?.code ?? 'internal', answer?.error?.message ?? `HTTP ${response.status}`, answer);
  }
  return answer as T;
}

/** a download link for a GET route (the cookie goes with it) */
export const downloadUrl = (path: string): string => `/api${path}`;
