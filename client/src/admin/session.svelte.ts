import type { AdminLogin, AdminSessionAnswer } from '../../../server/contracts/admin-api.ts';
import { api, ApiError, onUnauthorised } from './api.ts';
import { t } from './messages.ts';
import { refusalText } from './refusals.ts';

/**
 * Whether this browser holds a working admin cookie. The token itself is only ever typed into the
 * login form and sent once (POST /api/admin/session); the server answers with an httpOnly cookie
 * that scripts cannot read, so nothing here stores it.
 */
export type SessionState = 'checking' | 'unreachable' | 'out' | 'in';

export class AdminSession {
  state = $state<SessionState>('checking');
  /** the cookie ran out (a request answered 401) while a page was open: the page stays under the login */
  expired = $state(false);
  expiresAt = $state<string | null>(null);
  /** why the server could not be asked (state 'unreachable') */
  problem = $state<string | null>(null);
  loginError = $state<string | null>(null);
  busy = $state(false);

  constructor() {
    onUnauthorised(() => {
      if (this.state === 'in') this.expired = true;
      this.state = 'out';
    });
  }

  async check(): Promise<void> {
    this.state = 'checking';
    this.problem = null;
    try {
      const answer = await api<AdminSessionAnswer>('/admin/session');
      this.expiresAt = answer.expiresAt;
      this.state = 'in';
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) {
        this.state = 'out';
        return;
      }
      this.problem = refusalText(error);
      this.state = 'unreachable';
    }
  }

  async login(token: string): Promise<boolean> {
    this.loginError = null;
    if (token.trim() === '') {
      this.loginError = t('loginEmpty');
      return false;
    }
    this.busy = true;
    try {
      const answer = await api<AdminSessionAnswer>('/admin/session', { method: 'POST', json: { token: token.trim() } satisfies AdminLogin, loginRequest: true });
      this.expiresAt = answer.expiresAt;
      this.state = 'in';
      this.expired = false;
      return true;
    } catch (error) {
      const status = error instanceof ApiError ? error.status : 0;
      this.loginError =
        status === 401 ? t('loginWrong') : status === 429 ? t('loginTooMany') : t('loginFailed', { message: refusalText(error) });
      return false;
    } finally {
      this.busy = false;
    }
  }

  async logout(): Promise<void> {
    try {
      await api('/admin/session', { method: 'DELETE', loginRequest: true });
    } catch {
      // the cookie may be gone already; either way this page forgets the session
    }
    this.expired = false;
    this.state = 'out';
  }
}
