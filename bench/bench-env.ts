/**
 * The environment the bench's in-process service code runs with, set before any other bench
 * module is evaluated (bench/run.ts imports this first): no CloudWatch EMF metric lines on stdout
 * (lib/config.ts metricsEnabled, read per call), which would land among the tables. The service
 * child processes (bench/service-process.ts) inherit it and also run with LOG_LEVEL=silent.
 */
process.env.METRICS = 'off';
