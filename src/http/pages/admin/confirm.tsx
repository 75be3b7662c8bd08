// The confirmation step of every action that cannot be undone (delete a user, delete a client,
// rotate a client's secret, an emergency key rotation): the page says what will happen, and the
// POST only goes through with the phrase typed into the form (checked again by the route).
import type { Child, FC } from 'hono/jsx';
import { FORM_CSRF_FIELD } from '../../browser/form-csrf.ts';
import { Alert } from '../layout.tsx';
import { ERROR_ID } from '../form.tsx';
import { AdminFrame, type AdminSection } from './frame.tsx';

export interface ConfirmPageProps {
  title: string;
  section: AdminSection;
  csrf: string;
  action: string;
  /** What must be typed to confirm (an email, a client id, "rotate"). */
  phrase: string;
  submit: string;
  cancel: string;
  error?: string | undefined;
  /** Hidden fields the POST carries besides the token (what the page showed). */
  hidden?: Record<string, string>;
  children?: Child;
}

/** The field the routes check: it must equal the page's phrase. */
export const CONFIRM_FIELD = 'confirm';

export const ConfirmPage: FC<ConfirmPageProps> = (props) => (
  <AdminFrame title={props.title} section={props.section}>
    {props.children}
    <form method="post" action={props.action}>
      {props.error ? <Alert id={ERROR_ID} message={props.error} /> : null}
      <input type="hidden" name={FORM_CSRF_FIELD} value={props.csrf} />
      {Object.entries(props.hidden ?? {}).map(([name, value]) => (
        <input type="hidden" name={name} value={value} />
      ))}
      <div class="field">
        <label for="field-confirm">
          Type <code>{props.phrase}</code> to confirm
        </label>
        <input
          id="field-confirm"
          name={CONFIRM_FIELD}
          type="text"
          autocomplete="off"
          spellcheck={false}
          autocapitalize="none"
          required
          aria-invalid={props.error ? 'true' : undefined}
          aria-describedby={props.error ? ERROR_ID : undefined}
        />
      </div>
      <div class="actions">
        <button type="submit" class="danger">
          {props.submit}
        </button>
        <a href={props.cancel}>Cancel</a>
      </div>
    </form>
  </AdminFrame>
);
