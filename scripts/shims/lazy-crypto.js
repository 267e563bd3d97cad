// node:crypto for a library that requires it at load but uses it only in a function a caller may
// never call (dotenv: only to decrypt a .env.vault): loaded on first use, so a cold start of the
// CLI does not spend ~10 ms of CPU loading all of Node's crypto for nothing.
let crypto;
module.exports = new Proxy(
  {},
  {
    get: (_, name) => (crypto ??= require('node:crypto'))[name],
    has: (_, name) => name in (crypto ??= require('node:crypto')),
  },
);
