/**
 * `test`, `gateway` and `serve` in one bundle (dist/cli-served.js, scripts/build.mjs): each runs the
 * emulator, which is most of their code, so one copy of it ships instead of three. `invoke`, the
 * command whose cold start counts most, keeps a bundle of its own.
 */
export * as test from './test';
export * as gateway from './gateway';
export * as serve from './serve';
