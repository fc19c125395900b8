import { z } from 'zod';
import { MIN_PASSWORD_LENGTH } from '../../domain/accounts/accounts.service';

export const email = z
  .string({ error: 'Enter your email.' })
  .trim()
  .toLowerCase()
  .max(254, 'The email is too long.')
  .regex(/^[^@\s]+@[^@\s]+$/, 'Enter a valid email address.');

const totpCode = z.string().trim().regex(/^[0-9]{6}$/, 'The code is the 6 digits your authenticator app shows.');

export const loginSchema = z.object({
  email,
  password: z.string({ error: 'Enter your password.' }).min(1, 'Enter your password.').max(1000, 'The password is too long.'),
  code: z.preprocess((v) => (v === '' ? undefined : v), totpCode.optional()),
});

export const totpEnableSchema = z.object({
  secret: z.string().regex(/^[A-Z2-7]{16,128}$/, 'The setup form is malformed; reload the page.'),
  code: totpCode,
});
export const totpDisableSchema = z.object({ code: totpCode });
export const sessionParams = z.object({ id: z.string().regex(/^[0-9a-f]{64}$/, 'This session id is malformed.') });

const newPassword = z
  .string({ error: 'Choose a password.' })
  .min(MIN_PASSWORD_LENGTH, `The password must be at least ${MIN_PASSWORD_LENGTH} characters.`)
  .max(1000, 'The password is too long.');

export const setupSchema = z.object({ email, password: newPassword });
export const setPasswordSchema = z.object({ password: newPassword });
export const tokenParams = z.object({ token: z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'This link is malformed.') });
