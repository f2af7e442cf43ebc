/**
 * Replay speed of the embedded event bus: one ephemeral subscription reads a topic of a file-log bus directory from
 * the earliest frame to the end with a handler that only counts (and sums value bytes, so nothing is optimised
 * away), `--rounds` times. Prints messages/s, MB/s and this process' CPU seconds per million messages
 * (process.cpuUsage: steadier than wall time on a shared machine).
 *
 *   npm run bench:file-log -- --dir .data/bus [--topic recsys.engagement.v1] [--rounds 3] [--max-batch 500]
 *
 * The directory is only read (the subscription is ephemeral: no offset file is written).
 */
import { statSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { TOPICS, openFileLogEventBus } from '@recsys/stores';

const { values } = parseArgs({
  options: {
    dir: { type: 'string', default: '.data/bus' },
    topic: { type: 'string', default: TOPICS.engagement },
    rounds: { type: 'string', default: '3' },
    'max-batch': { type: 'string', default: '500' },
  },
});

async function main(): Promise<void> {
  const rounds = Number(values.rounds);
  const maxBatch = Number(values['max-batch']);
  const bus = await openFileLogEventBus(values.dir, { onWarning: (message) => console.warn(message) });
  const bytes = statSync(bus.topicFile(values.topic)).size;
  console.log(`file-log replay of ${bus.topicFile(values.topic)} (${(bytes / 1e6).toFixed(1)} MB), batches of ${maxBatch}; node ${process.version}`);
  try {
    for (let round = 1; round <= rounds; round++) {
      let messages = 0;
      let payload = 0;
      const cpu = process.cpuUsage();
      const started = process.hrtime.bigint();
      const sub = await bus.subscribe({
        topic: values.topic,
        groupId: 'bench-file-log',
        from: 'earliest',
        ephemeral: true,
        maxBatch,
        handler: async (batch) => {
          messages += batch.length;
          for (const message of batch) payload += message.value.length;
        },
      });
      await sub.caughtUp();
      await sub.stop();
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const used = process.cpuUsage(cpu);
      const cpuSeconds = (used.user + used.system) / 1e6;
      console.log(
        `round ${round}: ${messages} messages (${(payload / 1e6).toFixed(1)} MB of values) in ${seconds.toFixed(2)} s = ` +
          `${Math.round(messages / seconds)} messages/s, ${(bytes / 1e6 / seconds).toFixed(0)} MB/s; ` +
          `CPU ${cpuSeconds.toFixed(2)} s = ${((cpuSeconds / messages) * 1e6).toFixed(2)} CPU-s per million messages`,
      );
    }
  } finally {
    await bus.close();
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
