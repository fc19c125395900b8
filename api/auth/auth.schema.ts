import { z } from 'zod';
import { MIN_PASSWORD_LENGTH } from '../../domain/accounts/account.service';

export const email = z
  .string({ error: 'Enter your email.' })
  .trim()
  .toLowerCase()
  .max(254, 'The email is too long.')
  .regex(/^[^@\s]+@[^@\s]+$/, 'Enter a valid email address.');

export const loginSchema = z.object({
  email,
  password: z.string({ error: 'Enter your password.' }).min(1, 'Enter your password.').max(1000, 'The password is too long.'),
});

const newPassword = z
  .string({ error: 'Choose a password.' })
  .min(MIN_PASSWORD_LENGTH, `The password must be at least ${MIN_PASSWORD_LENGTH} characters.`)
  .max(1000, 'The password is too long.');

export const setupSchema = z.object({ email, password: newPassword });
export const setPasswordSchema = z.object({ password: newPassword });
export const tokenParams = z.object({ token: z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'This link is malformed.') });
