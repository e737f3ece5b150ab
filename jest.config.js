/** Jest runs the TypeScript sources directly through SWC; `npm run typecheck` is what checks types. */
const swc = ['@swc/jest', { jsc: { target: 'es2022', parser: { syntax: 'typescript' } }, module: { type: 'commonjs' } }];
module.exports = {
  testEnvironment: 'node',
  // Tests assert behaviour, not speed (bench/ measures speed): the integration and e2e suites move tens of MB and
  // run in parallel on a 2-core machine, where jest's 5 s default was hit by a loaded run, not by a fault.
  testTimeout: 30_000,
  transform: { '^.+\\.ts$': swc },
  projects: [
    { displayName: 'unit', testMatch: ['<rootDir>/test/unit/**/*.test.ts'], transform: { '^.+\\.ts$': swc }, testEnvironment: 'node' },
    { displayName: 'integration', testMatch: ['<rootDir>/test/integration/**/*.test.ts'], transform: { '^.+\\.ts$': swc }, testEnvironment: 'node' },
    // Real chromium (Debian's, via playwright-core) against a real server serving client/dist: `npm test` builds
    // the client and installs chromium first (scripts/ensure-chromium.sh).
    { displayName: 'e2e', testMatch: ['<rootDir>/test/e2e/**/*.test.ts'], transform: { '^.+\\.ts$': swc }, testEnvironment: 'node' },
  ],
};
