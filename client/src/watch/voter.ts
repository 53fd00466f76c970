/**
 * The phone's anonymous voter id for the audience vote. The server makes it and sets it as an
 * httpOnly cookie; the page keeps a copy in local storage for in-app browsers that drop cookies,
 * and sends that copy back, so a phone keeps one id for as long as it keeps either.
 */
const KEY = 'leitai:voter';

function kept(): string | null {
  try {
    return localStorage.getItem(KEY);
  } catch {
    return null;
  }
}

/** The voter secret (also in the cookie), or null when the server could not be asked: the page still shows the contest. */
export async function ensureVoter(code: string): Promise<string | null> {
  const before = kept();
  try {
    const response = await fetch(`/api/watch/${encodeURIComponent(code)}/voter`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(before ? { voter: before } : {}),
      credentials: 'same-origin',
    });
    if (!response.ok) return before;
    const { voter } = (await response.json()) as { voter: string };
    try {
      localStorage.setItem(KEY, voter);
    } catch {
      // private mode: the cookie alone carries it
    }
    return voter;
  } catch {
    return before;
  }
}
