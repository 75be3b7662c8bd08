// A user's display name: free text, shown to the user and to administrators. Checked once here,
// for every way in (register API and page, admin API, import CLI).
import { z } from 'zod';

/**
 * Controls (Cc: NUL, which Postgres cannot store in text, BEL, ESC, ...) except tab and line
 * breaks (the old service's names hold some, and the import keeps them), lone surrogates (Cs:
 * not text) and the bidi embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069, the
 * marks U+200E, U+200F, U+061C), which reorder what an administrator reads next to the name.
 * Zero-width joiners stay allowed: emoji sequences and Indic scripts need them.
 */
const FORBIDDEN_IN_NAME =
  /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\p{Cs}\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/u;

export const DISPLAY_NAME_MAX = 200;

export const hasForbiddenNameCharacter = (text: string): boolean => FORBIDDEN_IN_NAME.test(text);

export const NAME_RULE =
  'must be text of at most 200 characters, without control or bidirectional-override characters';

/** Trimmed; blank allowed (the caller decides whether blank means "no name"). */
export const DisplayNameSchema = z
  .string()
  .trim()
  .max(DISPLAY_NAME_MAX)
  .refine((name) => !hasForbiddenNameCharacter(name), {
    error: 'must not contain control or bidirectional-override characters',
  });
