import pino from 'pino';

/**
 * pino with redaction of anything that could identify an uploader or leak a secret.
 * No request logger writes IPs or user agents: see api/middleware/request-log.ts.
 * Writes to stdout unless given another destination (tests read what was logged).
 */
export function createLogger(level: string, name: string, destination?: pino.DestinationStream) {
  const options: pino.LoggerOptions = {
    name,
    level,
    base: undefined,
    redact: {
      paths: ['password', '*.password', 'token', '*.token', 'cookie', '*.cookie', 'headers', '*.headers'],
      censor: '[redacted]',
    },
  };
  return destination ? pino(options, destination) : pino(options);
}

export type Logger = pino.Logger;
