import pino, { type Logger } from 'pino';
import type { Config } from './config.js';

export const REDACT_PATHS = [
  // pg-pool attaches the failed pg Client to connection errors: serialising that object graph
  // (pool, sockets, BullMQ internals) takes seconds per line and froze workers during a
  // PostgreSQL restart, when every pooled connection fails at once.
  'err.client',
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["idempotency-key"]',
  'res.headers["set-cookie"]',
  '*.password',
  '*.secret',
  '*.clientSecret',
  '*.token',
  '*.accessToken',
  '*.refreshToken',
  '*.idNumber',
  '*.residentId',
  '*.phone',
  '*.mobile',
  '*.appSecret',
  '*.embeddedDbPassword',
];

/** Pretty logs only on a terminal (or when LOG_PRETTY says so); JSON lines otherwise. */
export function loggerOptions(config: Config): pino.LoggerOptions {
  const pretty =
    config.logPretty || (process.stdout.isTTY && config.env !== 'production' && config.logPretty !== false);
  return {
    level: config.logLevel,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    ...(pretty
      ? { transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'SYS:HH:MM:ss' } } }
      : {}),
  };
}

export function createLogger(config: Config): Logger {
  return pino(loggerOptions(config));
}
