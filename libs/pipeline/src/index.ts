/** The pipeline framework: component interfaces, declaration, executor, typed features, reusable selectors. */
export * from './types';
export * from './define';
export * from './executor';
export * from './feature';
export * from './selectors';
