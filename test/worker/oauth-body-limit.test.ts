// The OAuth form endpoints refuse an oversized body without buffering it (issue 13, item 16):
// from its Content-Length when declared, and once the bytes read pass 16 KiB when it is not.
import { exports } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { ISSUER } from './oauth-fixtures.ts';

const CHUNK = 64 * 1024;
const TEN_MB = 10 * 1024 * 1024;

/** 10 MB of form text in 64 KiB chunks, counting how many chunks the reader pulled. */
function countingBody() {
  const chunk = new TextEncoder().encode('a'.repeat(CHUNK));
  const counter = { pulls: 0 };
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      counter.pulls += 1;
      if (counter.pulls * CHUNK > TEN_MB) controller.close();
      else controller.enqueue(chunk);
    },
  });
  return { stream, counter };
}

function post(path: string, body: BodyInit, headers: Record<string, string> = {}) {
  return exports.default.fetch(
    new Request(new URL(path, ISSUER), {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...headers },
      body,
    }),
  );
}

const refusal = async (response: Response) => ({
  status: response.status,
  body: await response.json<{ error: string; error_description: string }>(),
});

describe('OAuth form bodies over 16 KiB', () => {
  for (const path of ['/oauth/token', '/oauth/introspect', '/oauth/revoke']) {
    it(`${path}: a 10 MB body with its Content-Length is refused unread`, async () => {
      const { stream, counter } = countingBody();
      const response = await post(path, stream, { 'Content-Length': String(TEN_MB) });
      expect(await refusal(response)).toEqual({
        status: 413,
        body: {
          error: 'payload_too_large',
          error_description: 'The request body exceeds 16384 bytes.',
        },
      });
      // 160 chunks make up the body; the pipe may read ahead a few, the worker none.
      expect(counter.pulls).toBeLessThan(8);
    });

    it(`${path}: a chunked 10 MB body (no Content-Length) stops being read past the limit`, async () => {
      const { stream, counter } = countingBody();
      const response = await post(path, stream);
      expect(await refusal(response)).toEqual({
        status: 413,
        body: {
          error: 'payload_too_large',
          error_description: 'The request body exceeds 16384 bytes.',
        },
      });
      expect(counter.pulls).toBeLessThan(8);
    });
  }

  it('a body at the limit is read and parsed', async () => {
    const response = await post('/oauth/token', `grant_type=password&pad=${'a'.repeat(16_000)}`);
    // Past the body: the client must authenticate.
    expect((await refusal(response)).body).toMatchObject({
      error: 'invalid_client',
      error_description: 'Client authentication is required.',
    });
  });
});
