// The messages, each written once as a list of blocks and rendered twice, as plain text and
// as simple, accessible HTML (lang, title, real link text, no images or layout tables), so the
// two bodies cannot drift apart. Every interpolated value is HTML-escaped in the HTML body.
import type { EmailMessage, EmailTag } from './mailer.ts';

/** A paragraph, or a link shown as its label plus the address itself (for copy and paste). */
type Block = string | { href: string; label: string };

/**
 * Where the page the link opens continues after it signed the browser in (an /oauth/authorize
 * request the user came from); the page re-checks it (safeReturnTo), the link only carries it.
 */
const returnToParam = (returnTo: string | undefined) =>
  returnTo ? `&return_to=${encodeURIComponent(returnTo)}` : '';

export const verifyEmailLink = (issuer: string, token: string, returnTo?: string) =>
  `${issuer}/api/v1/auth/verify-email?token=${encodeURIComponent(token)}${returnToParam(returnTo)}`;

/** The reset page; without a token it is where someone asks for a reset link. */
export const passwordResetLink = (issuer: string, token?: string, returnTo?: string) =>
  `${issuer}/reset-password${token === undefined ? '' : `?token=${encodeURIComponent(token)}${returnToParam(returnTo)}`}`;

interface LinkMessage {
  issuer: string;
  token: string;
  ttlSeconds: number;
  returnTo?: string | undefined;
}

export function verifyEmailMessage(
  to: string,
  { issuer, token, ttlSeconds, returnTo }: LinkMessage,
): EmailMessage {
  return compose(to, 'verify_email', 'Confirm your email address', [
    `Someone, hopefully you, created an account at ${hostOf(issuer)} with this email address.`,
    { href: verifyEmailLink(issuer, token, returnTo), label: 'Confirm my email address' },
    `The link works once and expires in ${humanDuration(ttlSeconds)}.`,
    'If you did not create this account, ignore this email: nothing happens without the link.',
  ]);
}

export function passwordResetMessage(
  to: string,
  { issuer, token, ttlSeconds, returnTo }: LinkMessage,
): EmailMessage {
  return compose(to, 'password_reset', 'Reset your password', [
    `Someone asked to reset the password of your account at ${hostOf(issuer)}.`,
    { href: passwordResetLink(issuer, token, returnTo), label: 'Choose a new password' },
    `The link works once and expires in ${humanDuration(ttlSeconds)}. Resetting signs out every session of the account.`,
    'If you did not ask for this, ignore this email: your password stays as it is.',
  ]);
}

/** The page that asks for one click before moving the account to the proven address. */
export const emailChangeLink = (issuer: string, token: string) =>
  `${issuer}/account/email/confirm?token=${encodeURIComponent(token)}`;

/** To the NEW address: the link that proves it; nothing changes without it. */
export function emailChangeMessage(
  to: string,
  { issuer, token, ttlSeconds }: { issuer: string; token: string; ttlSeconds: number },
): EmailMessage {
  return compose(to, 'email_change', 'Confirm your new email address', [
    `Someone, hopefully you, asked to move an account at ${hostOf(issuer)} to this email address.`,
    { href: emailChangeLink(issuer, token), label: 'Confirm my new email address' },
    `The link works once and expires in ${humanDuration(ttlSeconds)}. Confirming signs out every session of the account.`,
    'If you did not ask for this, ignore this email: nothing changes without the link.',
  ]);
}

/** To the OLD address, once the change took effect: the owner learns of a takeover at once. */
export function emailChangedMessage(
  to: string,
  { issuer, newEmail, at }: { issuer: string; newEmail: string; at: Date },
): EmailMessage {
  return compose(to, 'email_changed', 'Your email address was changed', [
    `The email address of your account at ${hostOf(issuer)} was changed to ${newEmail} on ${utc(at)}. This address no longer signs in to it, and every session was signed out.`,
    'If this was you, there is nothing to do.',
    'If it was not you, contact the administrator of this service at once: whoever controls the new address can now reset the password.',
  ]);
}

export function registerAttemptMessage(to: string, { issuer }: { issuer: string }): EmailMessage {
  return compose(to, 'register_attempt', 'Someone tried to register with your email address', [
    `Someone tried to create an account at ${hostOf(issuer)} with this email address, which already has an account.`,
    'If it was you, log in with your existing password. If you forgot it, reset it here:',
    { href: passwordResetLink(issuer), label: 'Reset my password' },
    'If it was not you, ignore this email: no account was created and yours is unchanged.',
  ]);
}

export function passwordChangedMessage(
  to: string,
  { issuer, at }: { issuer: string; at: Date },
): EmailMessage {
  return compose(to, 'password_changed', 'Your password was changed', [
    `The password of your account at ${hostOf(issuer)} was changed on ${utc(at)}.`,
    'If this was you, there is nothing to do.',
    'If it was not you, reset your password now, which signs out every session:',
    { href: passwordResetLink(issuer), label: 'Reset my password' },
  ]);
}

function compose(to: string, tag: EmailTag, subject: string, blocks: Block[]): EmailMessage {
  const text = blocks
    .map((block) => (typeof block === 'string' ? block : `${block.label}:\n${block.href}`))
    .join('\n\n');
  const body = blocks
    .map((block) =>
      typeof block === 'string'
        ? `<p>${escapeHtml(block)}</p>`
        : `<p><a href="${escapeHtml(block.href)}">${escapeHtml(block.label)}</a></p>\n` +
          `<p>If the link does not work, copy this address into your browser:<br>${escapeHtml(block.href)}</p>`,
    )
    .join('\n');
  const html = [
    '<!doctype html>',
    '<html lang="en">',
    '<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(subject)}</title></head>`,
    '<body>',
    body,
    '</body>',
    '</html>',
  ].join('\n');
  return { to, subject, text: `${text}\n`, html, tag };
}

export function escapeHtml(value: string): string {
  return value.replace(
    /[&<>"']/g,
    (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch] ?? ch,
  );
}

const hostOf = (issuer: string) => new URL(issuer).host;

const utc = (at: Date) => `${at.toISOString().slice(0, 16).replace('T', ' ')} UTC`;

function humanDuration(seconds: number): string {
  const plural = (n: number, unit: string) => `${n} ${unit}${n === 1 ? '' : 's'}`;
  if (seconds % 86_400 === 0 && seconds >= 2 * 86_400) return plural(seconds / 86_400, 'day');
  if (seconds % 3600 === 0) return plural(seconds / 3600, 'hour');
  if (seconds % 60 === 0) return plural(seconds / 60, 'minute');
  return plural(seconds, 'second');
}
