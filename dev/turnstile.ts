// Turnstile's siteverify, answered by the local stack so the Worker's Turnstile path runs for
// real in `npm run dev` and the tests, with no account. It honours Cloudflare's documented
// testing secrets (developers.cloudflare.com/turnstile/troubleshooting/testing/), which accept
// only the dummy token the testing sitekeys produce:
//   1x0000000000000000000000000000000AA  always passes
//   2x0000000000000000000000000000000AA  always fails
//   3x0000000000000000000000000000000AA  fails as "token already spent"
import { type BridgeRequest, type BridgeResponse, json } from './bridge.ts';

export const SITEVERIFY_PATH = '/turnstile/v0/siteverify';
export const DUMMY_TOKEN = 'XXXX.DUMMY.TOKEN.XXXX';
export const TESTING_SECRETS = {
  pass: '1x0000000000000000000000000000000AA',
  fail: '2x0000000000000000000000000000000AA',
  spent: '3x0000000000000000000000000000000AA',
} as const;

async function fieldsOf(req: BridgeRequest): Promise<{ secret?: string; response?: string }> {
  const type = req.headers['content-type'] ?? '';
  if (type.includes('application/json')) {
    return JSON.parse(req.body || '{}') as { secret?: string; response?: string };
  }
  // Form bodies, url-encoded or multipart (the Worker sends FormData), as a Request reads them.
  const form = await new Request('http://local/', {
    method: 'POST',
    headers: { 'content-type': type },
    body: req.body,
  }).formData();
  const text = (name: string) => {
    const value = form.get(name);
    return typeof value === 'string' ? value : undefined;
  };
  const [secret, response] = [text('secret'), text('response')];
  return {
    ...(secret === undefined ? {} : { secret }),
    ...(response === undefined ? {} : { response }),
  };
}

const reply = (success: boolean, errorCodes: string[] = []) =>
  json(200, {
    success,
    'error-codes': errorCodes,
    ...(success ? { challenge_ts: new Date().toISOString(), hostname: 'localhost' } : {}),
  });

export async function siteverify(req: BridgeRequest): Promise<BridgeResponse> {
  if (req.method !== 'POST') return json(405, { success: false, 'error-codes': ['bad-request'] });
  let fields: { secret?: string; response?: string };
  try {
    fields = await fieldsOf(req);
  } catch {
    return reply(false, ['bad-request']);
  }
  if (!fields.secret) return reply(false, ['missing-input-secret']);
  if (!fields.response) return reply(false, ['missing-input-response']);
  switch (fields.secret) {
    case TESTING_SECRETS.pass:
      return fields.response === DUMMY_TOKEN
        ? reply(true)
        : reply(false, ['invalid-input-response']);
    case TESTING_SECRETS.fail:
      return reply(false, ['invalid-input-response']);
    case TESTING_SECRETS.spent:
      return reply(false, ['timeout-or-duplicate']);
    default:
      return reply(false, ['invalid-input-secret']);
  }
}
