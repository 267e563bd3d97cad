export * from './names';
export * from './validate';
export * from './templates';
export * from './store';
