/**
 * Notices that an account's sessions changed (logged out, revoked, the account disabled, its role or
 * two-factor login changed; null: every account's), announced in the transaction that made the
 * change and delivered at its commit to every API process, so each forgets the sessions it cached.
 */
export type SessionChanges = {
  /**
   * Starts listening. `onChange` for each notice; `onLive(false)` whenever notices may be missed
   * (not connected yet, the connection lost), `onLive(true)` once they arrive again. Returns stop.
   */
  listen(handlers: { onChange(accountId: string | null): void; onLive(live: boolean): void }): () => Promise<void>;
};
