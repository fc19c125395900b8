// Run after `npm install` on a machine whose registry serves only this platform's builds:
//   node scripts/complete-lockfile.mjs
// npm 11's `npm ci` wants a lock entry for every optional dependency, including the prebuilt
// binaries of other platforms (@swc/core-darwin-arm64, …). Where the registry cannot serve their
// manifests, `npm install` leaves them out and a fresh `npm ci` fails. This adds each missing one
// with its exact version and the os/cpu/libc its name declares, so npm skips it on other platforms
// exactly as it would with the full manifest. Entries npm did write are never touched.
import fs from 'node:fs';

const file = new URL('../package-lock.json', import.meta.url);
const lock = JSON.parse(fs.readFileSync(file, 'utf8'));
const OS = ['darwin', 'win32', 'linux', 'freebsd', 'android', 'openbsd', 'netbsd', 'sunos', 'aix', 'openharmony'];
const CPU = ['arm64', 'x64', 'ia32', 'arm', 'ppc64', 's390x', 'riscv64', 'loong64', 'mips64el', 'wasm32'];

let added = 0;
for (const [location, meta] of Object.entries(lock.packages)) {
  for (const [name, spec] of Object.entries(meta.optionalDependencies ?? {})) {
    const nested = location ? `${location}/node_modules/${name}` : `node_modules/${name}`;
    const top = `node_modules/${name}`;
    if (lock.packages[nested] || lock.packages[top]) continue;
    const parts = name.split('/').pop().split('-');
    const entry = { version: spec.replace(/^[\^~=]/, ''), optional: true };
    const os = OS.find((o) => parts.includes(o));
    const cpu = CPU.find((c) => parts.includes(c));
    if (os) entry.os = [os];
    if (cpu) entry.cpu = [cpu];
    if (parts.some((p) => p.startsWith('musl'))) entry.libc = ['musl'];
    else if (parts.some((p) => p === 'gnu' || p.startsWith('gnueabi'))) entry.libc = ['glibc'];
    lock.packages[top] = entry;
    added += 1;
  }
}
fs.writeFileSync(file, `${JSON.stringify(lock, null, 2)}\n`);
console.log(`package-lock.json: added ${added} optional platform entr${added === 1 ? 'y' : 'ies'}`);
