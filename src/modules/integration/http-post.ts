import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { guardedLookup, isBlockedAddress, UnsafeTargetError } from './ssrf.js';

/**
 * One webhook POST: connects only to addresses that pass the SSRF guard (checked at connect
 * time, so DNS rebinding after subscription is caught), follows no redirect, gives up after the
 * timeout and keeps at most `maxBody` bytes of the answer.
 */
export interface PostResult {
  status?: number;
  body: string;
  durationMs: number;
  error?: string;
}

export async function postWebhook(
  url: string,
  headers: Record<string, string>,
  body: string,
  opts: { allowPrivate: boolean; timeoutMs?: number; maxBody?: number },
): Promise<PostResult> {
  const started = performance.now();
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const maxBody = opts.maxBody ?? 1024;
  const elapsed = () => Math.round(performance.now() - started);
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return { body: '', durationMs: 0, error: 'invalid URL' };
  }
  const literal = u.hostname.replace(/^\[|\]$/g, '');
  if (!opts.allowPrivate && net.isIP(literal) && isBlockedAddress(literal))
    return { body: '', durationMs: 0, error: new UnsafeTargetError('private-address', literal).message };

  return new Promise<PostResult>((resolve) => {
    let settled = false;
    const done = (r: Omit<PostResult, 'durationMs'>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ ...r, durationMs: elapsed() });
    };
    const client = u.protocol === 'https:' ? https : http;
    const req = client.request(
      u,
      {
        method: 'POST',
        agent: false,
        lookup: guardedLookup(opts.allowPrivate) as never,
        headers: {
          ...headers,
          'content-type': 'application/json',
          'content-length': String(Buffer.byteLength(body)),
          'user-agent': 'techex-webhooks/1',
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        const finish = () => {
          const text = Buffer.concat(chunks).subarray(0, maxBody).toString('utf8');
          done({ status: res.statusCode, body: text });
        };
        res.on('data', (c: Buffer) => {
          if (size < maxBody) chunks.push(c);
          size += c.length;
          // Enough kept: stop reading a large answer instead of downloading it.
          if (size >= maxBody) {
            finish();
            res.destroy();
          }
        });
        res.on('end', finish);
        res.on('error', finish);
      },
    );
    const timer = setTimeout(() => {
      done({ body: '', error: `timed out after ${timeoutMs} ms` });
      req.destroy();
    }, timeoutMs);
    req.on('error', (err) => done({ body: '', error: err.message.slice(0, 500) }));
    req.end(body);
  });
}
