// Picks the EventBus adapter for a backend: the file log under the data directory, or Kafka.
import * as path from 'node:path';
import { RecsysError } from '@recsys/domain';
import type { Backend, EventBus } from '../ports';
import { TOPICS } from '../topics';
import { openFileLogEventBus } from './file-log.event-bus';
import { openKafkaEventBus } from './kafka.event-bus';

/** Options of {@link openEventBus}. */
export interface OpenEventBusOptions {
  backend: Backend;
  /** The service's local state directory; the embedded bus lives in `<dataDir>/bus`. */
  dataDir: string;
  /** Bootstrap brokers (`host:port`), required for `redis-kafka`. */
  kafkaBrokers?: readonly string[];
  /** Kafka client id, e.g. `recsys-feature`. */
  clientId: string;
  /** Problems the bus works around; see the adapters' `onWarning`. */
  onWarning?: (message: string) => void;
}

/**
 * Opens the event bus of a backend: a {@link FileLogEventBus} in `<dataDir>/bus` for `embedded`, a
 * {@link KafkaEventBus} on `kafkaBrokers` for `redis-kafka` (which connects on first use). On Kafka the catalog topic
 * is created compacted: it is keyed by item or user id and replayed whole by every feature replica at start.
 *
 * @throws RecsysError bad-request for an unknown backend or `redis-kafka` without brokers.
 */
export async function openEventBus(options: OpenEventBusOptions): Promise<EventBus> {
  const { backend, dataDir, kafkaBrokers, clientId, onWarning } = options;
  switch (backend) {
    case 'embedded':
      return openFileLogEventBus(path.join(dataDir, 'bus'), { onWarning });
    case 'redis-kafka':
      if (kafkaBrokers === undefined || kafkaBrokers.length === 0) {
        throw RecsysError.badRequest('kafkaBrokers', "required for the 'redis-kafka' backend");
      }
      return openKafkaEventBus({
        brokers: kafkaBrokers,
        clientId,
        onWarning,
        topicConfigs: { [TOPICS.catalog]: { 'cleanup.policy': 'compact' } },
      });
    default:
      throw RecsysError.badRequest('backend', `must be 'embedded' or 'redis-kafka', got ${JSON.stringify(backend)}`);
  }
}
