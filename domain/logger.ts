import pino from 'pino';

/**
 * pino with redaction of anything that could identify an uploader or leak a secret.
 * No request logger writes IPs or user agents: see api/middleware/request-log.ts.
 */
export function createLogger(level: string, name: string) {
  return pino({
    name,
    level,
    base: undefined,
    redact: {
      paths: ['password', '*.password', 'token', '*.token', 'cookie', '*.cookie', 'headers', '*.headers'],
      censor: '[redacted]',
    },
  });
}

export type Logger = pino.Logger;
