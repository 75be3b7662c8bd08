// Emails are trimmed and Unicode-normalised (NFC) before storage and lookup; case-insensitive
// comparison is the database's job (citext), so "Ann@X.io" and "ann@x.io" are one account.
import { z } from 'zod';

export const normalizeEmail = (raw: string): string => raw.trim().normalize('NFC');

/**
 * Request schema for an email: normalised first, then checked, max 254 (RFC 5321 §4.5.3.1).
 * Internationalised local parts are allowed (RFC 6531, SMTPUTF8): that is why NFC matters.
 */
export const EmailSchema = z
  .string()
  .transform(normalizeEmail)
  .pipe(z.email({ pattern: z.regexes.unicodeEmail, error: 'must be an email address' }).max(254));
