export * from './types';
export { ok, fail, type Outcome, type Failure, type Problem } from './outcome';
export { isScfComponent, loadServerlessFile, parseServerless, resolveServerlessFile, type LoadOptions } from './load';
export { componentKind, componentName } from './components';
export { readDotEnv } from './dotenv';
export { interpolate, hasInterpolation, type InterpolationContext } from './interpolate';
export { rangeOf, offsetsToRange } from './positions';
export { pickFunction, functionLabel } from './pick';
