/** The service's log API; the implementation is Powertools' Logger (lib/observability/logger.ts). */
export { type LogFields, log } from './observability/logger.js';
