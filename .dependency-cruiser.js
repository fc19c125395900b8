/**
 * The house's boundaries, checked by `npm run lint:deps` (part of `npm test`).
 * Flow: api/, worker/, scripts/ -> domain/ -> ports; db/ and infra/ implement the ports and are
 * wired by the composition root only.
 */
module.exports = {
  forbidden: [
    {
      name: 'no-cycles',
      severity: 'error',
      comment: 'An import cycle (type-only imports are erased and do not count).',
      from: {},
      to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only'] } },
    },
    {
      name: 'web-api-not-db',
      severity: 'error',
      comment: 'Pages, routes and job handlers see the domain, never rows or SQL.',
      from: { path: '^(web|api|worker)/' },
      to: { path: '^db/' },
    },
    {
      name: 'db-only-types-from-domain',
      severity: 'error',
      comment: 'db/ may use the domain\'s words (types) but no domain code.',
      from: { path: '^db/' },
      to: { path: '^domain/', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'domain-reaches-db-through-ports',
      severity: 'error',
      comment: 'Services get repositories from the context; they may name repository types, never import their code.',
      from: { path: '^domain/' },
      to: { path: '^db/', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'adapters-only-via-composition-root',
      severity: 'error',
      comment: 'Adapters (infra/, and db/ as the repositories) are built by the composition root only; others see their ports.',
      from: { path: '^(api|web|worker|domain)/' },
      to: { path: '^infra/', pathNot: '^infra/compose\\.ts$' },
    },
    {
      name: 'adapters-not-services',
      severity: 'error',
      comment: 'Adapters implement ports; they may use the domain\'s words and pure helpers, never a service (the services call them, not the other way round).',
      from: { path: '^infra/' },
      to: { path: '^domain/.*\\.service\\.ts$' },
    },
    {
      name: 'domain-not-delivery',
      severity: 'error',
      comment: 'The domain knows nothing of HTTP, pages or the worker.',
      from: { path: '^domain/' },
      to: { path: '^(api|web|worker|scripts)/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(node_modules|test)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
  },
};
