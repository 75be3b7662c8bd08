// The layers of src as rules, checked by `npm run lint`. Arrows point down only:
//
//   entry      src/index.ts, src/scheduled.ts
//   http       src/http/**                      knows Hono; reaches stores only through compose
//   compose    src/compose/**                   the one place that builds adapters and services
//   domain     src/{oauth,auth,abuse,email,audit}/**   no Hono, no stores, no mailers
//   adapters   src/store/**, src/mailers/**     implement the domain's ports
//   kernel     src/config/**, src/shared/**     imports nothing else from src
//
// Inside the domain the folders are ordered too (audit < email < abuse < auth < oauth): a folder
// imports only folders below it, so no two domain folders form a cycle. Type-only imports count
// (a port's type belongs beside the code that owns it). There is no exceptions list: a rule
// that a change needs to break is a design question, not a line to add here.

const DOMAIN = '^src/(auth|oauth|abuse|audit|email)/';
const ADAPTERS = '^src/(store|mailers)/';
const HONO =
  '(^|/)node_modules/(hono|@hono/[^/]+|@scalar/hono-api-reference)/|^(hono|@hono/[^/]+)(/|$)';
const DATABASE_CLIENTS =
  '(^|/)node_modules/(@upstash/[^/]+|drizzle-orm|@neondatabase/[^/]+|pg|ioredis)/|^(@upstash/[^/]+|drizzle-orm|@neondatabase/[^/]+|pg|ioredis)(/|$)';

/** One rule per forbidden upward arrow between two domain folders. */
const domainOrder = ['audit', 'email', 'abuse', 'auth', 'oauth'];
const domainOrderRules = domainOrder.slice(0, -1).map((folder, index) => {
  const above = domainOrder.slice(index + 1);
  return {
    name: `domain-order-${folder}`,
    comment:
      `src/${folder} sits below ${above.map((f) => `src/${f}`).join(', ')} in the domain's ` +
      'order: importing upward would let two domain folders import each other (a cycle).',
    severity: 'error',
    from: { path: `^src/${folder}/` },
    to: { path: `^src/(${above.join('|')})/` },
  };
});

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'A file cycle has no first file to read, and no layer order can hold across it.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'unknown-layer',
      comment:
        'Every folder of src belongs to exactly one layer; a new folder is added to the source ' +
        'map and to these rules before code goes in it.',
      severity: 'error',
      from: {
        path: '^src/',
        pathNot:
          '^src/((index|scheduled)[.]ts|(http|compose|auth|oauth|abuse|audit|email|store|mailers|config|shared|types)/)',
      },
      to: {},
    },
    {
      name: 'entry-is-top',
      comment:
        'src/index.ts and src/scheduled.ts are the entry points: nothing below imports them.',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/(index|scheduled)[.]ts$' },
      to: { path: '^src/(index|scheduled)[.]ts$' },
    },
    {
      name: 'domain-not-to-http',
      comment:
        'The domain knows no HTTP: it is called by src/http through src/compose, never the other ' +
        'way, so a rule of the service can be read (and tested) without a request.',
      severity: 'error',
      from: { path: DOMAIN },
      to: { path: '^src/(http|compose)/' },
    },
    {
      name: 'domain-not-to-adapters',
      comment:
        'The domain declares ports (interfaces beside the code that owns them); src/store and ' +
        'src/mailers implement them. Importing an adapter would tie a rule to Redis, SQL or a provider.',
      severity: 'error',
      from: { path: DOMAIN },
      to: { path: ADAPTERS },
    },
    {
      name: 'domain-not-to-hono',
      comment: 'The domain takes plain values, not a Hono Context: Hono belongs to src/http.',
      severity: 'error',
      from: { path: DOMAIN },
      to: { path: HONO },
    },
    {
      name: 'domain-not-to-database-clients',
      comment:
        'Redis and SQL clients are adapters (src/store); the domain reaches them through its ports.',
      severity: 'error',
      from: { path: DOMAIN },
      to: { path: DATABASE_CLIENTS },
    },
    {
      name: 'adapters-not-to-http',
      comment:
        'Stores and mailers know no HTTP layer and are built only by src/compose, never build it.',
      severity: 'error',
      from: { path: ADAPTERS },
      to: { path: '^src/(http|compose)/' },
    },
    {
      name: 'adapters-not-to-hono',
      comment: 'Stores and mailers speak their own protocol; Hono belongs to src/http.',
      severity: 'error',
      from: { path: ADAPTERS },
      to: { path: HONO },
    },
    {
      name: 'http-not-to-adapters',
      comment:
        'The HTTP layer, routes included, gets its services from src/compose (the composition ' +
        'root), so no route can bypass a service and write a store directly.',
      severity: 'error',
      from: { path: '^src/http/' },
      to: { path: ADAPTERS },
    },
    {
      name: 'compose-not-to-http',
      comment:
        'The composition root is below the HTTP layer: src/http imports it, not the reverse.',
      severity: 'error',
      from: { path: '^src/compose/' },
      to: { path: '^src/http/' },
    },
    {
      name: 'compose-not-to-hono',
      comment:
        'The composition root serves the Worker, the cron and the CLIs alike: it takes a ' +
        'RequestScope, never a Hono Context.',
      severity: 'error',
      from: { path: '^src/compose/' },
      to: { path: HONO },
    },
    {
      name: 'kernel-imports-only-kernel',
      comment:
        'src/config and src/shared are the shared kernel: every layer imports them, so they ' +
        'import nothing else from src.',
      severity: 'error',
      from: { path: '^src/(config|shared)/' },
      to: { path: '^src/', pathNot: '^src/(config|shared)/' },
    },
    {
      name: 'src-not-to-tooling',
      comment:
        'dev/ (the local stack), scripts/, bench/ and test/ are not deployed: the Worker must not ' +
        'depend on them.',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^(dev|scripts|bench|test)/' },
    },
    ...domainOrderRules,
    {
      name: 'verify-package-stands-alone',
      comment:
        'packages/verify is published on its own (@edge-auth/verify): it imports nothing from ' +
        'the service, its tooling or its tests.',
      severity: 'error',
      from: { path: '^packages/verify/src/' },
      to: { path: '^(src|dev|scripts|bench|test)/' },
    },
    {
      name: 'verify-package-dependencies',
      comment:
        "packages/verify's one runtime dependency is jose; hono is an optional peer, imported " +
        'for types only (src/hono.ts), so a service without Hono installs nothing more.',
      severity: 'error',
      from: { path: '^packages/verify/src/' },
      to: {
        dependencyTypesNot: ['local', 'type-only'],
        pathNot: '(^|/)node_modules/jose/|^jose$',
      },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.tsx', '.js', '.mjs', '.cjs', '.json', '.d.ts'],
    },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
