/**
 * The short address of a link, as a person could type or check it: host, port and path, without
 * the scheme and without the token in the fragment ("192.168.1.20:3000/judge").
 */
export function shortAddress(url: string): string {
  try {
    const u = new URL(url);
    return `${u.host}${u.pathname}`.replace(/\/$/, '');
  } catch {
    return url.replace(/^[a-z]+:\/\//i, '').replace(/#.*$/, '');
  }
}
