/**
 * What the API, the workflows and the activities must agree on, by family. Imported by workflow code, so
 * it holds types, plain constants and signal/query definitions only: no side effects, no Node built-ins.
 */
export * from './contracts/tasks';
export * from './contracts/exports';
export * from './contracts/imports';
export * from './contracts/sends';
export * from './contracts/maintenance';
