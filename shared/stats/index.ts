/** Pure statistics for the agreement and judge-reliability report. No Node or DOM APIs, no dependencies. */
export * from './ratings';
export * from './kappa';
export * from './agreement';
export * from './classification';
export * from './correlation';
export * from './pairwise';
export * from './calibration';
export * from './random';
export * from './votes';

export * from './report';
export * from './report/input';
export * from './report/json';
