/**
 * The admin pages' routes, on the path under /admin (the server answers every /admin/… path with
 * the client, so a reload or a bookmarked page lands where it was).
 *
 * Pages elsewhere link with `router.go({ page: 'contest', id })` (or `router.href(route)` for an
 * <a href>, with `onclick={(e) => router.follow(e, route)}` so the page is not reloaded).
 */

/** the tabs of a contest's page, each with its own path (/admin/contests/:id/presenters …) */
export const CONTEST_TABS = ['rules', 'presenters', 'judges', 'order', 'links'] as const;
export type ContestTab = (typeof CONTEST_TABS)[number];

export type AdminRoute =
  | { page: 'contests' }
  | { page: 'new' }
  | { page: 'contest'; id: string; tab?: ContestTab }
  | { page: 'cards'; id: string }
  | { page: 'results'; id: string }
  | { page: 'print'; id: string }
  | { page: 'audit'; id: string }
  | { page: 'consistency'; id: string }
  | { page: 'not-found' };

const CONTEST_PAGES = ['cards', 'results', 'print', 'audit', 'consistency'] as const;

function parseAdminPath(pathname: string): AdminRoute {
  const parts = pathname.replace(/\/+$/, '').split('/').filter(Boolean).slice(1); // drop "admin"
  if (parts.length === 0) return { page: 'contests' };
  if (parts.length === 1 && parts[0] === 'new') return { page: 'new' };
  if (parts[0] !== 'contests' || !parts[1] || !/^[A-Za-z0-9_-]{1,64}$/.test(parts[1])) return { page: 'not-found' };
  const id = parts[1];
  if (parts.length === 2) return { page: 'contest', id };
  if (parts.length !== 3) return { page: 'not-found' };
  const tab = CONTEST_TABS.find((t) => t === parts[2]);
  if (tab) return { page: 'contest', id, tab };
  const sub = CONTEST_PAGES.find((p) => p === parts[2]);
  return sub ? { page: sub, id } : { page: 'not-found' };
}

function adminPath(route: AdminRoute): string {
  switch (route.page) {
    case 'contests':
    case 'not-found':
      return '/admin';
    case 'new':
      return '/admin/new';
    case 'contest':
      return route.tab && route.tab !== 'rules' ? `/admin/contests/${route.id}/${route.tab}` : `/admin/contests/${route.id}`;
    default:
      return `/admin/contests/${route.id}/${route.page}`;
  }
}

/** the contest a route belongs to, if any */
export function routeContestId(route: AdminRoute): string | null {
  return 'id' in route ? route.id : null;
}

/** both routes are tabs of the same contest's page (moving between them keeps the editor and its unsaved changes) */
function sameContestPage(a: AdminRoute, b: AdminRoute): boolean {
  return a.page === 'contest' && b.page === 'contest' && a.id === b.id;
}

/** an entry's place in the tab's history, as this app wrote it (null for an entry it did not write) */
function historyIndex(state: unknown): number | null {
  const index = (state as { leitaiIndex?: unknown } | null)?.leitaiIndex;
  return typeof index === 'number' && Number.isInteger(index) ? index : null;
}

class Router {
  route = $state.raw<AdminRoute>(parseAdminPath(location.pathname));
  /** a one-line message that goes with a move ("已复制为新比赛…"), shown on the page arrived at */
  notice = $state<string | null>(null);
  /**
   * asked before leaving the current page from inside the app; false keeps the page (a page with
   * unsaved changes sets it, and clears it when it goes away)
   */
  leaveGuard: (() => boolean) | null = null;

  /** the address of the route shown, to go back to when Back or Forward is refused by the leave guard */
  #url = location.pathname + location.search;
  /** where the route shown sits in the tab's history (each entry this app writes carries its place) */
  #index = 0;
  /** Back/Forward was refused and the browser is being moved back to #url: that move is not a new one */
  #restoring = false;

  constructor() {
    const index = historyIndex(history.state);
    if (index === null) history.replaceState({ leitaiIndex: 0 }, '');
    else this.#index = index;
    addEventListener('popstate', (event) => {
      const here = location.pathname + location.search;
      if (this.#restoring) {
        this.#restoring = false;
        if (here === this.#url) return;
      }
      const next = parseAdminPath(location.pathname);
      const index = historyIndex(event.state);
      // Back/Forward between the tabs of one contest keeps the editor; anything else asks first
      if (!sameContestPage(this.route, next) && this.leaveGuard && !this.leaveGuard()) {
        // the browser has already moved: move it back to this page's entry (Back still works
        // afterwards), or, for an entry of unknown place, put this page's address back on top
        if (index !== null && index !== this.#index) {
          this.#restoring = true;
          history.go(this.#index - index);
        } else {
          this.#index += 1;
          history.pushState({ leitaiIndex: this.#index }, '', this.#url);
        }
        return;
      }
      this.route = next;
      this.#url = here;
      if (index !== null) this.#index = index;
      this.notice = null;
    });
  }

  /** the address of a route, keeping ?lang=en */
  href(route: AdminRoute): string {
    return adminPath(route) + location.search;
  }

  go(route: AdminRoute, options: { replace?: boolean; keepScroll?: boolean; notice?: string } = {}): void {
    // moving between the tabs of one contest keeps the same editor (and its unsaved changes)
    const samePage = sameContestPage(this.route, route);
    if (!samePage && this.leaveGuard && !this.leaveGuard()) return;
    const url = this.href(route);
    if (options.replace) history.replaceState({ leitaiIndex: this.#index }, '', url);
    else history.pushState({ leitaiIndex: ++this.#index }, '', url);
    this.#url = url;
    this.route = route;
    this.notice = options.notice ?? (samePage ? this.notice : null);
    if (!options.keepScroll) scrollTo(0, 0);
  }

  /** onclick of an <a href={router.href(route)}>: stays in the app unless a new tab was asked for */
  follow(event: MouseEvent, route: AdminRoute): void {
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    this.go(route);
  }
}

export const router = new Router();
