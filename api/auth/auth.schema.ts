import { z } from 'zod';
import { MIN_PASSWORD_LENGTH } from '../../domain/accounts/accounts.service';
import { fieldProblem } from '../../web/error-messages';

// Problems are said by the catalogue (web/error-messages.ts: each field's words, or a problem named here).
export const email = z.string().trim().toLowerCase().max(254).regex(/^[^@\s]+@[^@\s]+$/);

const totpCode = z.string().trim().regex(/^[0-9]{6}$/, fieldProblem('totp_code'));

export const loginSchema = z.object({
  email,
  password: z.string({ error: fieldProblem('password_missing') }).min(1, fieldProblem('password_missing')).max(1000, fieldProblem('password_too_long')),
  code: z.preprocess((v) => (v === '' ? undefined : v), totpCode.optional()),
});

export const totpEnableSchema = z.object({
  secret: z.string().regex(/^[A-Z2-7]{16,128}$/),
  code: totpCode,
});
export const totpDisableSchema = z.object({ code: totpCode });
export const sessionParams = z.object({ id: z.string().regex(/^[0-9a-f]{64}$/) });

const newPassword = z.string().min(MIN_PASSWORD_LENGTH).max(1000, fieldProblem('password_too_long'));

export const setupSchema = z.object({ email, password: newPassword });
export const setPasswordSchema = z.object({ password: newPassword });
export const tokenParams = z.object({ token: z.string().regex(/^[A-Za-z0-9_-]{43}$/) });
