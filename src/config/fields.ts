// Building blocks for the config schema: every variable arrives as a string (wrangler vars and
// secrets), so each field parses, bounds-checks and defaults in one place.
import { z } from 'zod';
import { parseDurationSeconds } from './duration.ts';

export const DAY = 86_400;

export const duration = (fallback: string, bounds: { min: number; max: number }) =>
  z
    .string()
    .default(fallback)
    .transform((raw, ctx) => {
      const seconds = parseDurationSeconds(raw);
      if (seconds === undefined) {
        ctx.addIssue({ code: 'custom', message: `"${raw}" is not a duration like 15m, 7d, 900` });
        return z.NEVER;
      }
      if (seconds < bounds.min || seconds > bounds.max) {
        ctx.addIssue({
          code: 'custom',
          message: `must be between ${bounds.min}s and ${bounds.max}s, got ${seconds}s`,
        });
        return z.NEVER;
      }
      return seconds;
    });

export const list = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((raw) =>
      raw
        .split(',')
        .map((item) => item.trim())
        .filter(Boolean),
    );

export const int = (fallback: number, bounds: { min: number; max: number }) =>
  z.coerce.number().int().min(bounds.min).max(bounds.max).default(fallback);

export const httpUrl = z.url({ protocol: /^https?$/ });
