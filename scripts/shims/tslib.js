// tslib, only the helpers the Tencent Cloud SDK calls (`tslib_1.__importDefault(...)` and the like):
// from tslib's ES module, so the rest (~8 KB) is left out. scripts/build.mjs fails the build when a
// package that requires tslib calls a helper not listed here.
export { __exportStar, __importDefault, __importStar } from 'tslib/tslib.es6.mjs';
