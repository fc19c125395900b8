import { addressBlock, clientKey } from '../../../api/middleware/client-key';

describe('a client key', () => {
  test('is one per IPv6 /64, however the address is written', () => {
    expect(addressBlock('2001:db8:1:2::1')).toBe('2001:db8:1:2::/64');
    expect(addressBlock('2001:0db8:0001:0002:ffff:ffff:ffff:fffe')).toBe('2001:db8:1:2::/64');
    expect(addressBlock('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
    expect(clientKey({ ip: '2001:db8:1:2::1' })).toBe(clientKey({ ip: '2001:db8:1:2:abcd::9' }));
    expect(clientKey({ ip: '2001:db8:1:2::1' })).not.toBe(clientKey({ ip: '2001:db8:1:3::1' }));
  });

  test('is one per IPv4 address, also when mapped into IPv6', () => {
    expect(clientKey({ ip: '203.0.113.7' })).toBe(clientKey({ ip: '::ffff:203.0.113.7' }));
    expect(clientKey({ ip: '203.0.113.7' })).not.toBe(clientKey({ ip: '203.0.113.8' }));
  });

  test('never contains the address', () => {
    expect(clientKey({ ip: '203.0.113.7' })).not.toContain('203');
    expect(clientKey({ ip: '203.0.113.7' })).toMatch(/^[A-Za-z0-9_-]{22}$/);
  });
});
