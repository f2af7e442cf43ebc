/** The event log of a running or stopped system, read by the offline commands: the embedded bus directory or Kafka. */
import { existsSync } from 'node:fs';
import { openEventBus, openFileLogEventBus, replayTopics, type DeliveredMessage, type EventBus } from '@recsys/stores';

/** Where the log is: `log`, an embedded event bus directory (npm start: .data/bus), or Kafka `brokers`. */
export interface EventLogSource {
  log?: string;
  brokers?: string[];
}

/**
 * Opens the bus of `source` for reading (`clientId` names the Kafka client).
 *
 * @throws Error naming the directory when `log` does not exist (opening would create an empty bus there).
 */
export async function openEventLog(source: EventLogSource, clientId: string): Promise<EventBus> {
  if (source.log !== undefined) {
    if (!existsSync(source.log)) throw new Error(`${source.log}: no such event bus directory (npm start writes .data/bus)`);
    return openFileLogEventBus(source.log);
  }
  return openEventBus({ backend: 'redis-kafka', dataDir: '.', kafkaBrokers: source.brokers, clientId });
}

/**
 * Hands every message of `topic` published so far, from the start and in delivery order, to `onBatch` (an ephemeral
 * subscription: nothing is committed). Resolves once the topic has been read to its end.
 */
export async function forEachMessage(bus: EventBus, topic: string, onBatch: (batch: readonly DeliveredMessage[]) => void): Promise<void> {
  const replay = await replayTopics(bus, `recsys-cli-${process.pid}`, [{ topic, handler: async (batch) => onBatch(batch) }]);
  await replay.stop();
}

/** Every message of `topic` from the start, in delivery order. */
export async function readTopic(bus: EventBus, topic: string): Promise<DeliveredMessage[]> {
  const out: DeliveredMessage[] = [];
  await forEachMessage(bus, topic, (batch) => void out.push(...batch));
  return out;
}
