export * from './types';
export { isScfComponent, loadServerlessFile, parseServerless, resolveServerlessFile, type LoadOptions } from './load';
export { readDotEnv } from './dotenv';
export { interpolate, hasInterpolation, type InterpolationContext } from './interpolate';
export { rangeOf, offsetsToRange } from './positions';
export { pickFunction } from './pick';
