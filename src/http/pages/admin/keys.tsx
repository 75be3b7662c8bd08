// Signing keys in the console: every key of the issuer with its lifecycle state (read from
// its timestamps, src/auth/keys/lifecycle.ts), the cron's step on demand ("schedule rotation",
// as `npm run keys -- advance`), and the way to the emergency rotation's confirmation.
import type { FC } from 'hono/jsx';
import type { SigningKeyState } from '../../../auth/keys/lifecycle.ts';
import { ButtonForm } from '../form.tsx';
import { AdminFrame, DataTable, Notice, Time } from './frame.tsx';

export interface KeyRow {
  kid: string;
  generation: number;
  state: SigningKeyState;
  modulusBits: number;
  kekId: string;
  publishFrom: Date;
  signFrom: Date;
  retireAt: Date | null;
  expireAt: Date | null;
  revokedAt: Date | null;
}

export interface KeysPageProps {
  csrf: string;
  issuer: string;
  keys: KeyRow[];
  /** When the current key's successor is due to sign (rotation period), if one signs. */
  rotationDue: Date | undefined;
  notice?: string | undefined;
}

/** The moments of a key that are set, in lifecycle order. */
const Timeline: FC<{ signingKey: KeyRow }> = ({ signingKey: key }) => {
  const moments: [string, Date | null][] = [
    ['published', key.publishFrom],
    ['signs from', key.signFrom],
    ['retires', key.retireAt],
    ['leaves the JWKS', key.expireAt],
    ['revoked', key.revokedAt],
  ];
  return (
    <dl class="facts">
      {moments
        .filter(([, at]) => at !== null)
        .map(([label, at]) => (
          <>
            <dt>{label}</dt>
            <dd>
              <Time at={at} />
            </dd>
          </>
        ))}
    </dl>
  );
};

export const KeysPage: FC<KeysPageProps> = ({ csrf, issuer, keys, rotationDue, notice }) => (
  <AdminFrame title="Signing keys" section="keys">
    <Notice message={notice} />
    <p>
      Keys of issuer <code>{issuer}</code>, oldest first.{' '}
      {rotationDue ? (
        <>
          The next key is due to sign at <Time at={rotationDue} />.
        </>
      ) : null}
    </p>
    <DataTable
      caption={'A key is published before it signs and stays published until its tokens expired.'}
      columns={['Key id', 'State', 'Timeline']}
    >
      {keys.map((key) => (
        <tr data-kid={key.kid}>
          <td>
            <span class="mono">{key.kid}</span>
            <small>
              generation {key.generation}, RSA {key.modulusBits}, KEK {key.kekId}
            </small>
          </td>
          <td>
            <span class={key.state === 'revoked' ? 'tag off' : 'tag'}>{key.state}</span>
          </td>
          <td>
            <Timeline signingKey={key} />
          </td>
        </tr>
      ))}
    </DataTable>
    <h2>Rotation</h2>
    <p>
      <strong>Schedule rotation</strong> runs the hourly cron's step now: when the current key is
      due, its successor is published at once and starts signing after the publish lead; nothing
      happens when no rotation is due.
    </p>
    <div class="actions">
      <ButtonForm action="/admin/keys/advance" csrf={csrf} class="secondary">
        Schedule rotation
      </ButtonForm>
      <a href="/admin/keys/emergency">Emergency rotation…</a>
    </div>
  </AdminFrame>
);
