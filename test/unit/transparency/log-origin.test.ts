/** The log's name in production: configured explicitly, never the shared default. */
import { ConfigError, DEFAULT_LOG_ORIGIN, parseConfig } from '../../../domain/config';

const production = { NODE_ENV: 'production', PUBLIC_URL: 'https://svidetel.example.org' };

describe('LOG_ORIGIN in production', () => {
  it('is required, and not derived from PUBLIC_URL', () => {
    expect(() => parseConfig(production)).toThrow(ConfigError);
    expect(() => parseConfig(production)).toThrow(/LOG_ORIGIN: required in production/);
  });

  it(`refuses the default ${DEFAULT_LOG_ORIGIN}, shared by every deployment`, () => {
    expect(() => parseConfig({ ...production, LOG_ORIGIN: DEFAULT_LOG_ORIGIN })).toThrow(/LOG_ORIGIN: required in production and not svidetel\.local\/log/);
  });

  it('takes a deployment’s own name', () => {
    expect(parseConfig({ ...production, LOG_ORIGIN: 'svidetel.example.org/log' }).logOrigin).toBe('svidetel.example.org/log');
  });

  it('outside production still defaults, from PUBLIC_URL or to the local name', () => {
    expect(parseConfig({ PUBLIC_URL: 'https://svidetel.example.org' }).logOrigin).toBe('svidetel.example.org/log');
    expect(parseConfig({}).logOrigin).toBe(DEFAULT_LOG_ORIGIN);
  });
});
