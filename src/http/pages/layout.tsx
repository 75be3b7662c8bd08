// The frame of every hosted page (login, register, password reset, account, and the error
// pages of /oauth/authorize): one centred column, system font, no scripts, no external assets,
// a visible focus ring. Server-rendered with Hono JSX; everything works without JavaScript.
import type { Child, FC } from 'hono/jsx';
import { raw } from 'hono/html';

const STYLE = `
:root { color-scheme: light; --ink: #1a1a1a; --muted: #5c5f66; --line: #d6d8dc;
  --accent: #1f5fbf; --accent-ink: #fff; --danger: #a30000; --focus: #f5b400; }
* { box-sizing: border-box; }
body { margin: 0; background: #f6f7f9; color: var(--ink);
  font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
main { max-width: 26rem; margin: 3rem auto; padding: 2rem; background: #fff;
  border: 1px solid var(--line); border-radius: 10px; }
main.wide { max-width: 56rem; }
.brand { margin: 0 0 1.5rem; font-size: .85rem; font-weight: 600; letter-spacing: .04em;
  text-transform: uppercase; color: var(--muted); }
h1 { font-size: 1.5rem; line-height: 1.25; margin: 0 0 1.25rem; }
h2 { font-size: 1.15rem; margin: 2rem 0 .75rem; }
p { margin: 0 0 1rem; }
a { color: var(--accent); }
label { display: block; font-weight: 600; margin-bottom: .25rem; }
.field { margin-bottom: 1rem; }
.hint { display: block; color: var(--muted); font-size: .9rem; margin: -.15rem 0 .3rem; }
input[type=email], input[type=password], input[type=text] { width: 100%; font: inherit;
  padding: .55rem .7rem; border: 1px solid #8a8f98; border-radius: 6px; background: #fff; }
input[aria-invalid=true] { border-color: var(--danger); }
button { font: inherit; font-weight: 600; padding: .55rem 1.1rem; border-radius: 6px;
  border: 1px solid var(--accent); background: var(--accent); color: var(--accent-ink);
  cursor: pointer; }
button.secondary { background: #fff; color: var(--accent); }
button.danger { background: #fff; color: var(--danger); border-color: var(--danger); }
form.inline { display: inline; }
.actions { display: flex; flex-wrap: wrap; gap: .75rem; align-items: center; margin-top: 1.25rem; }
a:focus-visible, button:focus-visible, input:focus-visible {
  outline: 3px solid var(--focus); outline-offset: 2px; }
.alert { border: 1px solid var(--danger); border-left-width: 4px; color: var(--danger);
  background: #fff5f5; padding: .6rem .8rem; border-radius: 6px; }
.notice { border-left: 4px solid var(--accent); background: #f1f6fd; padding: .6rem .8rem;
  border-radius: 6px; }
.links { margin-top: 1.5rem; padding-top: 1rem; border-top: 1px solid var(--line);
  font-size: .95rem; }
.links p { margin: .25rem 0; }
.muted { color: var(--muted); }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .25rem 1rem; margin: 0; }
dl.facts dt { font-weight: 600; }
dl.facts dd { margin: 0; }
.table-wrap { overflow-x: auto; }
table { width: 100%; border-collapse: collapse; font-size: .95rem; }
caption { text-align: left; color: var(--muted); padding-bottom: .5rem; }
th, td { text-align: left; vertical-align: top; padding: .55rem .5rem;
  border-bottom: 1px solid var(--line); }
th { font-weight: 600; white-space: nowrap; }
td time { white-space: nowrap; }
td small { display: block; color: var(--muted); overflow-wrap: anywhere; font-size: .8rem; }
.tag { display: inline-block; font-size: .8rem; font-weight: 600; padding: 0 .45rem;
  border-radius: 999px; background: #e5effc; color: #174a94; }
.visually-hidden { position: absolute; width: 1px; height: 1px; margin: -1px; padding: 0;
  overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; border: 0; }
@media (max-width: 30rem) { main { margin: 0; border: 0; border-radius: 0; } }
`;

export interface LayoutProps {
  /** The page's <h1> and <title>. */
  title: string;
  /** A wider column, for tables. */
  wide?: boolean;
  children?: Child;
}

export const Layout: FC<LayoutProps> = ({ title, wide, children }) => (
  <>
    {raw('<!doctype html>')}
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="robots" content="noindex" />
        <title>{`${title} · edge-auth`}</title>
        <style>{raw(STYLE)}</style>
      </head>
      <body>
        <main class={wide ? 'wide' : undefined}>
          <p class="brand">edge-auth</p>
          <h1>{title}</h1>
          {children}
        </main>
      </body>
    </html>
  </>
);

/** An error announced to assistive technology as soon as the page loads. */
export const Alert: FC<{ id?: string; message: string }> = ({ id, message }) => (
  <p id={id} class="alert" role="alert">
    {message}
  </p>
);

export interface ErrorPageProps {
  title: string;
  message: string;
  /** Where to go from here, e.g. back to the form. */
  link?: { href: string; label: string };
  /** Shown for server errors so a report can be matched to the log line (the request id). */
  reference?: string | undefined;
}

/** A page that only says what went wrong: for /oauth/authorize and the hosted pages alike. */
export const ErrorPage: FC<ErrorPageProps> = ({ title, message, link, reference }) => (
  <Layout title={title}>
    <Alert message={message} />
    {reference ? <p class="muted">Reference: {reference}</p> : null}
    {link ? (
      <p>
        <a href={link.href}>{link.label}</a>
      </p>
    ) : null}
  </Layout>
);
