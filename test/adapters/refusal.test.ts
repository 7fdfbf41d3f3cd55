import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Koa from 'koa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeServer } from '../../adapters/http/close-server.ts';
import { AppError, isAppError } from '../../adapters/http/errors.ts';
import { attempt, refusalOf } from '../../adapters/http/refusal.ts';
import { RetryLaterError } from '../../idp/rate-limits/retry-later-error.ts';

/** Each path throws one error inside `attempt`; a refusal answers as JSON, anything else 500. */
const THROWN: Record<string, () => Error> = {
  '/bad-input': () =>
    new AppError('INVALID_INPUT', 400, 'Some fields need your attention.', { fields: { a: 'b' } }),
  '/limited': () => new RetryLaterError('RATE_LIMITED', 'Too many attempts.', 42.2),
  '/limited-without-wait': () => new AppError('RATE_LIMITED', 429, 'Too many attempts.'),
  '/gone': () => new AppError('NOT_FOUND', 404, 'This page does not exist.'),
  '/outage': () => new AppError('SERVICE_UNAVAILABLE', 503, 'Briefly unavailable.'),
  '/bug': () => new Error('a bug'),
};

describe('attempt: one way to refuse', () => {
  let server: Server;
  let url: string;

  beforeAll(async () => {
    const app = new Koa();
    app.use(async (ctx, next) => {
      try {
        await next();
      } catch (error) {
        ctx.status = isAppError(error) ? error.status : 500;
        ctx.body = { passedOn: isAppError(error) ? error.code : 'unknown' };
      }
    });
    app.use(async (ctx) => {
      const thrown = THROWN[ctx.path];
      await attempt(
        ctx,
        async () => {
          if (thrown) throw thrown();
          ctx.body = { done: true };
        },
        async (refusal) => {
          ctx.status = refusal.status;
          ctx.body = { refused: refusalOf(refusal) };
        },
        (refusal) => isAppError(refusal, 'NOT_FOUND'),
      );
    });
    server = createServer(app.callback());
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => closeServer(server));

  const get = async (path: string) => {
    const res = await fetch(`${url}${path}`);
    return { status: res.status, retryAfter: res.headers.get('retry-after'), body: await res.json() };
  };

  it('lets a change that is not refused answer for itself', async () => {
    expect(await get('/fine')).toEqual({ status: 200, retryAfter: null, body: { done: true } });
  });

  it('renders a refusal with its message, code and field messages, and its status', async () => {
    expect(await get('/bad-input')).toEqual({
      status: 400,
      retryAfter: null,
      body: {
        refused: { message: 'Some fields need your attention.', code: 'INVALID_INPUT', errors: { a: 'b' } },
      },
    });
  });

  it('always says when to come back on a 429: its own wait, or a minute', async () => {
    expect(await get('/limited')).toMatchObject({ status: 429, retryAfter: '43' });
    expect(await get('/limited-without-wait')).toMatchObject({ status: 429, retryAfter: '60' });
  });

  it('passes on what it is told to, outages and bugs to the error handler', async () => {
    expect(await get('/gone')).toEqual({ status: 404, retryAfter: null, body: { passedOn: 'NOT_FOUND' } });
    expect(await get('/outage')).toEqual({
      status: 503,
      retryAfter: null,
      body: { passedOn: 'SERVICE_UNAVAILABLE' },
    });
    expect(await get('/bug')).toEqual({ status: 500, retryAfter: null, body: { passedOn: 'unknown' } });
  });
});
