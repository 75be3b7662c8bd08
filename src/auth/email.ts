// Emails are trimmed and Unicode-normalised (NFC) before storage and lookup; case-insensitive
// comparison is the database's job (citext), so "Ann@X.io" and "ann@x.io" are one account.
import { z } from 'zod';

export const normalizeEmail = (raw: string): string => raw.trim().normalize('NFC');

/**
 * What no address may hold: controls (Cc: NUL, which Postgres cannot store in text, BEL, ...),
 * format characters (Cf: the bidi overrides U+202A-U+202E and isolates U+2066-U+2069 that make
 * "moc.evil@bank" display as another address, zero-width joiners and spaces that make two
 * identical-looking addresses distinct accounts), lone surrogates (Cs: not Unicode text at all)
 * and line/paragraph separators. RFC 6531 §3.3 extends the address grammar with UTF-8 non-ASCII
 * characters; RFC 6532 §3.1 adds that they must be valid, and none of these belongs in a mailbox
 * name a person types.
 */
const FORBIDDEN_IN_EMAIL = /[\p{Cc}\p{Cf}\p{Cs}\p{Zl}\p{Zp}]/u;

export const hasForbiddenEmailCharacter = (text: string): boolean => FORBIDDEN_IN_EMAIL.test(text);

/**
 * Request schema for an email: normalised first, then checked, max 254 (RFC 5321 §4.5.3.1).
 * Internationalised local parts are allowed (RFC 6531, SMTPUTF8): that is why NFC matters.
 */
export const EmailSchema = z
  .string()
  .transform(normalizeEmail)
  .pipe(
    z
      .string()
      .refine((email) => !hasForbiddenEmailCharacter(email), {
        error: 'must not contain control, invisible or bidirectional-override characters',
        abort: true,
      })
      .pipe(
        z.email({ pattern: z.regexes.unicodeEmail, error: 'must be an email address' }).max(254),
      ),
  );
