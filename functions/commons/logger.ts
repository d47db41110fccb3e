import { Logger } from '@aws-lambda-powertools/logger';

/** The one structured logger of the coordinator: JSON lines with the service name and request keys. */
export const logger = new Logger({ serviceName: 'multi-square' });
