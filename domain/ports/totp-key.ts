/**
 * The key that seals two-factor secrets at rest (domain/accounts/totp-vault.service.ts), kept
 * outside the database so that a copy of the database alone yields no second factor. Today a file
 * at TOTP_KEY_PATH (infra/secrets/totp-key-file.ts); a secrets manager would plug in here.
 */
export type TotpKeyStore = {
  /** Where the key is kept, as an operator looks for it: the errors that ask to restore it name this. */
  readonly location: string;
  /**
   * The 32-byte AES key, created on first use. Throws DependencyError when what is kept there is
   * not such a key.
   */
  key(): Promise<Buffer>;
};
