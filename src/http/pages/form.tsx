// Form building blocks of the hosted pages: every input has a label, an `autocomplete` that
// password managers understand, and, when the form came back with an error, `aria-invalid`
// pointing at the announced message.
import type { Child, FC } from 'hono/jsx';
import { FORM_CSRF_FIELD } from '../browser/form-csrf.ts';
import { Alert } from './layout.tsx';

/** The id of the error message a form shows; invalid inputs point at it. */
export const ERROR_ID = 'form-error';

export interface FieldProps {
  name: string;
  label: string;
  type: 'email' | 'password' | 'text';
  autocomplete: string;
  value?: string | undefined;
  required?: boolean;
  hint?: string;
  invalid?: boolean | undefined;
  minlength?: number;
  maxlength?: number;
}

export const Field: FC<FieldProps> = (props) => {
  const id = `field-${props.name}`;
  const described = [props.hint ? `${id}-hint` : '', props.invalid ? ERROR_ID : '']
    .filter(Boolean)
    .join(' ');
  return (
    <div class="field">
      <label for={id}>{props.label}</label>
      {props.hint ? (
        <span class="hint" id={`${id}-hint`}>
          {props.hint}
        </span>
      ) : null}
      <input
        id={id}
        name={props.name}
        type={props.type}
        autocomplete={props.autocomplete}
        value={props.value}
        required={props.required ?? true}
        minlength={props.minlength}
        maxlength={props.maxlength}
        spellcheck={props.type === 'text' ? undefined : false}
        autocapitalize={props.type === 'text' ? undefined : 'none'}
        aria-invalid={props.invalid ? 'true' : undefined}
        aria-describedby={described || undefined}
      />
    </div>
  );
};

/** The email field every sign-in form has. */
export const EmailField: FC<{ value?: string | undefined; invalid?: boolean }> = ({
  value,
  invalid,
}) => (
  <Field
    name="email"
    label="Email address"
    type="email"
    autocomplete="email"
    value={value}
    invalid={invalid}
    maxlength={254}
  />
);

/** A password being chosen (register, reset), with the policy's hint. */
export const NewPasswordField: FC<{ label: string; invalid?: boolean }> = ({ label, invalid }) => (
  <Field
    name="password"
    label={label}
    hint="At least 8 characters; a few unrelated words work well."
    type="password"
    autocomplete="new-password"
    invalid={invalid}
    minlength={8}
    maxlength={1024}
  />
);

export interface PageFormProps {
  action: string;
  csrf: string;
  /** Shown above the fields, announced (role="alert"). */
  error?: string | undefined;
  /** Hidden fields besides the CSRF token (return_to, the reset token). */
  hidden?: Record<string, string>;
  submit: string;
  /** The submit button's class (`danger` for an irreversible action). */
  submitClass?: string;
  children?: Child;
}

/** A POST form with the CSRF token, the error (if any), the fields and one submit button. */
export const PageForm: FC<PageFormProps> = ({
  action,
  csrf,
  error,
  hidden,
  submit,
  submitClass,
  children,
}) => (
  <form method="post" action={action}>
    {error ? <Alert id={ERROR_ID} message={error} /> : null}
    <input type="hidden" name={FORM_CSRF_FIELD} value={csrf} />
    {Object.entries(hidden ?? {}).map(([name, value]) => (
      <input type="hidden" name={name} value={value} />
    ))}
    {children}
    <div class="actions">
      <button type="submit" class={submitClass}>
        {submit}
      </button>
    </div>
  </form>
);

/** A one-button POST form (revoke, sign out). */
export const ButtonForm: FC<{
  action: string;
  csrf: string;
  class?: string;
  children?: Child;
}> = ({ action, csrf, class: style, children }) => (
  <form method="post" action={action} class="inline">
    <input type="hidden" name={FORM_CSRF_FIELD} value={csrf} />
    <button type="submit" class={style}>
      {children}
    </button>
  </form>
);
