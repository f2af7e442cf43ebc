// The embedded EventBus: one append-only, CRC-framed log file per topic, tailed by polling, with group positions on disk.
import { writeFileAtomic } from '../internal/atomic-write';
import { promises as fs } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import * as path from 'node:path';
import { RecsysError, errorMessage } from '@recsys/domain';
import { assertSafeName } from '../internal/names';
import type { DeadLetter, DeliveredMessage, EventBus, OutgoingMessage, SubscribeOptions, Subscription } from '../ports';
import { deadLetterMessages, deadLettersOf, deadLetterTopicOf } from './dead-letters';
import { encodeFrame, frameExtent, readFrame, FRAME_HEADER_BYTES } from './frame';
import { assertOutgoingMessages } from './outgoing';

/** Options of {@link openFileLogEventBus}. */
export interface FileLogEventBusOptions {
  /** How often an idle subscriber checks its topic file for new bytes, ms. Default 20. */
  pollMs?: number;
  /** When true, `publish` (and each offset commit) waits for `fdatasync`, so acknowledged data survives a power cut. Default false. */
  fsync?: boolean;
  /**
   * Receives problems the bus works around: damaged frames skipped, torn tails repaired, handler failures retried,
   * offset commits that failed. Default: `process.emitWarning`.
   */
  onWarning?: (message: string) => void;
  /** Bytes a subscriber reads per `read` call; a larger frame is read whole. Default 1 MiB. */
  readChunkBytes?: number;
}

/** Default largest batch handed to a handler. */
const DEFAULT_MAX_BATCH = 500;
/** First back-off after a handler failure, ms; doubles per consecutive failure. */
const RETRY_FIRST_MS = 100;
/** Largest back-off after a handler failure, ms. */
const RETRY_MAX_MS = 2_000;

/** Where the last readable frame of a log ends, and why reading stopped there. */
interface WalkResult {
  /** End of the last complete frame (a frame boundary). */
  end: number;
  /** `eof`: the file ends on a boundary; `incomplete`: a frame is cut at the tail; `bad-header`: unreadable bytes. */
  stop: 'eof' | 'incomplete' | 'bad-header';
}

/**
 * Walks frame headers from `from` (a frame boundary) to the end of the file, without decoding bodies.
 * O(file size / chunk) reads.
 */
async function walkFrames(handle: FileHandle, from: number, chunkBytes: number): Promise<WalkResult> {
  const size = (await handle.stat()).size;
  let pos = from;
  let buf = Buffer.alloc(0);
  let bufStart = from;
  while (pos < size) {
    if (pos < bufStart || pos + FRAME_HEADER_BYTES > bufStart + buf.length) {
      const length = Math.min(chunkBytes, size - pos);
      buf = Buffer.allocUnsafe(length);
      const { bytesRead } = await handle.read(buf, 0, length, pos);
      buf = buf.subarray(0, bytesRead);
      bufStart = pos;
      if (bytesRead < FRAME_HEADER_BYTES) return { end: pos, stop: 'incomplete' };
    }
    const extent = frameExtent(buf, pos - bufStart);
    if (extent.kind === 'bad-header') return { end: pos, stop: 'bad-header' };
    if (extent.kind !== 'extent') return { end: pos, stop: 'incomplete' };
    if (pos + extent.length > size) return { end: pos, stop: 'incomplete' };
    pos += extent.length;
  }
  return { end: pos, stop: 'eof' };
}

/**
 * Gives the batch's values (views of the read buffer) one fresh buffer of their own, in one allocation: the handler
 * may keep them without keeping the whole read chunk alive, and the chunk is not copied frame by frame.
 */
function copyValues(batch: DeliveredMessage[]): void {
  if (batch.length === 0) return;
  let bytes = 0;
  for (const message of batch) bytes += message.value.length;
  const copy = new Uint8Array(bytes);
  let at = 0;
  for (const message of batch) {
    const length = message.value.length;
    copy.set(message.value, at);
    message.value = copy.subarray(at, at + length);
    at += length;
  }
}

/** Creates the file when missing, leaving an existing one untouched. */
async function ensureFile(file: string): Promise<void> {
  await (await fs.open(file, 'a')).close();
}


/** Appends to one topic file; publish calls are serialised so they land in call order. */
class TopicWriter {
  private chain: Promise<unknown> = Promise.resolve();
  private handle?: FileHandle;

  constructor(
    private readonly file: string,
    private readonly fsync: boolean,
    private readonly chunkBytes: number,
    private readonly warn: (message: string) => void,
  ) {}

  append(bytes: Buffer): Promise<void> {
    const result = this.chain.then(() => this.write(bytes));
    this.chain = result.catch(() => undefined);
    return result;
  }

  async close(): Promise<void> {
    await this.chain;
    await this.handle?.close();
    this.handle = undefined;
  }

  private async write(bytes: Buffer): Promise<void> {
    if (this.handle === undefined) this.handle = await this.open();
    // One write call per publish on an O_APPEND fd; the loop only matters if the kernel writes short.
    let written = 0;
    while (written < bytes.length) {
      const { bytesWritten } = await this.handle.write(bytes, written, bytes.length - written);
      written += bytesWritten;
    }
    if (this.fsync) await this.handle.datasync();
  }

  /**
   * Opens for append after cutting a torn tail (a frame a crashed writer left half written): it was never
   * acknowledged, and appending after it would hide the next frames from readers.
   */
  private async open(): Promise<FileHandle> {
    await ensureFile(this.file);
    const reader = await fs.open(this.file, 'r');
    let walk: WalkResult;
    try {
      walk = await walkFrames(reader, 0, this.chunkBytes);
    } finally {
      await reader.close();
    }
    if (walk.stop === 'incomplete') {
      this.warn(`event bus: ${this.file} ends with a torn frame at byte ${walk.end}; truncating it before appending`);
      await fs.truncate(this.file, walk.end);
    } else if (walk.stop === 'bad-header') {
      this.warn(`event bus: ${this.file} has an unreadable frame header at byte ${walk.end}; readers will skip to the next intact frame`);
    }
    return fs.open(this.file, 'a');
  }
}

/** What a subscription needs from its bus. */
interface SubscriptionSetup {
  topic: string;
  groupId: string;
  file: string;
  /** Where positions are committed; undefined for ephemeral subscriptions. */
  offsetFile?: string;
  handler: SubscribeOptions['handler'];
  /** Publishes a batch's dead letters (to the subscription's dead-letter topic). */
  publishDeadLetters: (letters: DeadLetter[]) => Promise<void>;
  maxBatch: number;
  pollMs: number;
  chunkBytes: number;
  fsync: boolean;
  warn: (message: string) => void;
  onStopped: () => void;
}

/** The committed position of a group on a topic, as stored in `<dir>/offsets/<group>.<topic>.json`. */
interface OffsetRecord {
  topic: string;
  groupId: string;
  /** Byte position of the next frame to deliver. */
  position: number;
}

/** Tails one topic file for one group. */
class FileLogSubscription implements Subscription {
  private stopping = false;
  private stopPromise?: Promise<void>;
  private wake?: () => void;
  private waiters: { target: number; resolve: () => void; reject: (error: Error) => void }[] = [];
  private loop!: Promise<void>;
  /** Bytes of the file from `position` on, as last read. */
  private buf = Buffer.alloc(0);
  /** A position where a damaged frame or header was seen once; skipped only if it is still damaged when re-read. */
  private suspect = -1;
  /** Positions already reported as unreadable, so a stuck reader does not warn on every poll. */
  private reported = -1;

  constructor(
    private readonly setup: SubscriptionSetup,
    private readonly handle: FileHandle,
    /** Byte position of the next frame to deliver (always a frame boundary). */
    private position: number,
  ) {}

  start(): void {
    this.loop = this.run();
  }

  async caughtUp(): Promise<void> {
    const target = (await fs.stat(this.setup.file)).size;
    if (this.position >= target) return;
    if (this.stopping) throw new RecsysError('unavailable', `subscription of group ${this.setup.groupId} to ${this.setup.topic} is stopped`);
    await new Promise<void>((resolve, reject) => this.waiters.push({ target, resolve, reject }));
  }

  stop(): Promise<void> {
    this.stopPromise ??= this.halt();
    return this.stopPromise;
  }

  private async halt(): Promise<void> {
    this.stopping = true;
    this.wake?.();
    await this.loop;
    for (const waiter of this.waiters) {
      waiter.reject(new RecsysError('unavailable', `subscription of group ${this.setup.groupId} to ${this.setup.topic} stopped before catching up`));
    }
    this.waiters = [];
    await this.handle.close();
    this.setup.onStopped();
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (!this.stopping) {
      try {
        const progressed = await this.step();
        failures = 0;
        if (!progressed) await this.sleep(this.setup.pollMs);
      } catch (error) {
        // An I/O failure (not a handler failure): keep the position, report, and try again later.
        failures += 1;
        this.setup.warn(`event bus: reading ${this.setup.file} failed: ${errorMessage(error)}`);
        await this.sleep(Math.min(RETRY_FIRST_MS * 2 ** (failures - 1), RETRY_MAX_MS));
      }
    }
  }

  /** Delivers at most one batch; false when there was nothing to do. */
  private async step(): Promise<boolean> {
    let parsed = this.parse();
    if (parsed.reread) {
      // Looked damaged: read those bytes again after a poll interval before believing it.
      this.buf = Buffer.alloc(0);
      return false;
    }
    if (parsed.batch.length === 0 && parsed.end === this.position) {
      const size = (await this.handle.stat()).size;
      const available = size - this.position;
      // Re-read from the position whenever the file differs from what is buffered: a partial frame is never
      // kept, so a tail that was truncated and rewritten by a restarted writer is read afresh.
      if (available <= 0 || available === this.buf.length) {
        this.settleWaiters();
        return false;
      }
      const length = Math.min(available, Math.max(this.setup.chunkBytes, parsed.needed));
      const buf = Buffer.allocUnsafe(length);
      const { bytesRead } = await this.handle.read(buf, 0, length, this.position);
      this.buf = buf.subarray(0, bytesRead);
      parsed = this.parse();
      if (parsed.reread) {
        this.buf = Buffer.alloc(0);
        return false;
      }
      if (parsed.batch.length === 0 && parsed.end === this.position) return false;
    }
    if (this.stopping) return false;
    if (parsed.batch.length > 0) {
      const handled = await this.deliver(parsed.batch);
      if (!handled) return false;
    }
    this.buf = this.buf.subarray(parsed.end - this.position);
    this.position = parsed.end;
    await this.commit();
    this.settleWaiters();
    return true;
  }

  /**
   * Decodes up to `maxBatch` frames from the buffer. `end` is the position after the last frame consumed
   * (delivered or skipped as damaged); `needed` the buffered bytes needed to make progress; `reread` asks
   * for a fresh read of bytes that looked damaged once.
   */
  private parse(): { batch: DeliveredMessage[]; end: number; needed: number; reread: boolean } {
    const { topic, maxBatch } = this.setup;
    const batch: DeliveredMessage[] = [];
    let at = 0;
    const done = (result: { batch: DeliveredMessage[]; end: number; needed: number; reread: boolean }) => {
      copyValues(result.batch);
      return result;
    };
    while (batch.length < maxBatch) {
      const pos = this.position + at;
      const read = readFrame(this.buf, at, true);
      if (read.kind === 'frame') {
        const { frame } = read;
        batch.push({ topic, partition: 0, offset: pos, key: frame.key, value: frame.value, headers: frame.headers, timestampMs: frame.timestampMs });
        at += read.length;
        continue;
      }
      if (read.kind === 'incomplete') return done({ batch, end: pos, needed: at + read.needed, reread: false });
      // Damage can be a transient view of a concurrent truncate-and-rewrite: believe it only when it persists.
      if (this.suspect !== pos) {
        if (batch.length > 0) return done({ batch, end: pos, needed: 0, reread: false });
        this.suspect = pos;
        return done({ batch, end: pos, needed: this.buf.length, reread: true });
      }
      if (read.kind === 'damaged') {
        this.setup.warn(`event bus: skipping damaged frame at byte ${pos} of ${this.setup.file}: ${read.reason}`);
        this.suspect = -1;
        at += read.length;
        continue;
      }
      const next = this.nextIntactFrame(at + 1);
      if (next === undefined) {
        if (this.reported !== pos) {
          this.reported = pos;
          this.setup.warn(`event bus: ${read.reason} at byte ${pos} of ${this.setup.file}; waiting for an intact frame after it`);
        }
        return done({ batch, end: pos, needed: this.buf.length + this.setup.chunkBytes, reread: false });
      }
      this.setup.warn(`event bus: skipping ${next - at} unreadable bytes at byte ${pos} of ${this.setup.file} (${read.reason})`);
      this.suspect = -1;
      at = next;
    }
    return done({ batch, end: this.position + at, needed: 0, reread: false });
  }

  /** The first buffer index at or after `from` where an intact frame starts (the chance of a false match is 2^-32). */
  private nextIntactFrame(from: number): number | undefined {
    for (let i = from; i + FRAME_HEADER_BYTES <= this.buf.length; i++) {
      if (readFrame(this.buf, i, true).kind === 'frame') return i;
    }
    return undefined;
  }

  /**
   * Hands a batch to the handler, then publishes the dead letters it returned, until both succeed (back-off 100 ms
   * doubling to 2 s) or the subscription stops.
   */
  private async deliver(batch: DeliveredMessage[]): Promise<boolean> {
    let delay = RETRY_FIRST_MS;
    for (;;) {
      try {
        const letters = deadLettersOf(await this.setup.handler(batch.slice()));
        if (letters.length > 0) await this.setup.publishDeadLetters(letters);
        return true;
      } catch (error) {
        this.setup.warn(
          `event bus: handler of group ${this.setup.groupId} failed on ${batch.length} message(s) of ${this.setup.topic} ` +
            `from offset ${batch[0].offset}; retrying in ${delay} ms: ${errorMessage(error)}`,
        );
      }
      if (this.stopping) return false;
      await this.sleep(delay);
      if (this.stopping) return false;
      delay = Math.min(delay * 2, RETRY_MAX_MS);
    }
  }

  private async commit(): Promise<void> {
    const { offsetFile, topic, groupId, fsync } = this.setup;
    if (offsetFile === undefined) return;
    const record: OffsetRecord = { topic, groupId, position: this.position };
    try {
      await writeFileAtomic(offsetFile, JSON.stringify(record), fsync);
    } catch (error) {
      // The next commit writes a later position; until then a restart only redelivers (at-least-once holds).
      this.setup.warn(`event bus: committing ${offsetFile} failed: ${errorMessage(error)}`);
    }
  }

  private settleWaiters(): void {
    if (this.waiters.length === 0) return;
    const pending = [];
    for (const waiter of this.waiters) {
      if (this.position >= waiter.target) waiter.resolve();
      else pending.push(waiter);
    }
    this.waiters = pending;
  }

  private sleep(ms: number): Promise<void> {
    if (this.stopping) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    });
  }
}

/**
 * The embedded {@link EventBus}: one append-only file per topic, `<dir>/<topic>.log`, of CRC-checked frames
 * (see `frame.ts`). Offsets are byte positions of frames; consumer-group positions live in
 * `<dir>/offsets/<group>.<topic>.json`, replaced atomically after each handled batch.
 *
 * Processes: ONE publishing process per topic (appends are single `write` calls on an O_APPEND descriptor, and on
 * its first publish the writer cuts a torn tail a crashed predecessor left), plus any number of subscribing
 * processes, which tail the file by polling its size. A consumer group has one member at a time: a second live
 * subscription of a group to a topic in this bus is refused; across processes it is not detected.
 */
export class FileLogEventBus implements EventBus {
  private readonly pollMs: number;
  private readonly fsync: boolean;
  private readonly chunkBytes: number;
  private readonly warn: (message: string) => void;
  private readonly writers = new Map<string, TopicWriter>();
  private readonly subscriptions = new Set<FileLogSubscription>();
  /** Offset files of live non-ephemeral subscriptions. */
  private readonly activeGroups = new Set<string>();
  private closed = false;

  /** Use {@link openFileLogEventBus}, which also creates the directories. */
  constructor(
    /** The directory holding the topic files. */
    readonly dir: string,
    options: FileLogEventBusOptions = {},
  ) {
    this.pollMs = options.pollMs ?? 20;
    this.fsync = options.fsync ?? false;
    this.chunkBytes = options.readChunkBytes ?? 1024 * 1024;
    this.warn = options.onWarning ?? ((message) => process.emitWarning(message, 'EventBusWarning'));
    if (!(this.pollMs > 0)) throw RecsysError.badRequest('pollMs', 'must be a positive number of milliseconds');
    if (!(this.chunkBytes >= FRAME_HEADER_BYTES)) throw RecsysError.badRequest('readChunkBytes', `must be at least ${FRAME_HEADER_BYTES}`);
  }

  /** The log file of a topic. */
  topicFile(topic: string): string {
    return path.join(this.dir, `${topic}.log`);
  }

  /**
   * Appends the messages, in order, with one write; resolves after the write (and `fdatasync` when `fsync` is on).
   * Calls on one topic are applied in call order. Rejects with bad-request for an invalid topic or message.
   */
  async publish(topic: string, messages: OutgoingMessage[]): Promise<void> {
    this.assertOpen();
    await this.append(topic, messages);
  }

  /** {@link publish} without the open check: subscriptions finishing their last batch during `close` publish dead letters. */
  private async append(topic: string, messages: OutgoingMessage[]): Promise<void> {
    assertSafeName('topic', topic);
    assertOutgoingMessages(messages);
    if (messages.length === 0) return;
    const timestampMs = Date.now();
    const frames = messages.map((message, i) => {
      try {
        return encodeFrame(message, timestampMs);
      } catch (error) {
        throw RecsysError.badRequest(`messages[${i}]`, errorMessage(error));
      }
    });
    let writer = this.writers.get(topic);
    if (writer === undefined) {
      writer = new TopicWriter(this.topicFile(topic), this.fsync, this.chunkBytes, this.warn);
      this.writers.set(topic, writer);
    }
    await writer.append(frames.length === 1 ? frames[0] : Buffer.concat(frames));
  }

  /**
   * Starts tailing a topic (creating its file when missing). Resolves once the start position is fixed, so a
   * message published after it resolves is delivered even with `from: 'latest'`. A new non-ephemeral group
   * commits its start position at once. Handler failures are retried with back-off (100 ms doubling to 2 s).
   * Every batch comes from partition 0 (a topic is one file); dead letters go to `<dir>/<deadLetterTopic>.log`.
   */
  async subscribe(options: SubscribeOptions): Promise<Subscription> {
    this.assertOpen();
    const { topic, groupId, from, ephemeral = false, handler, maxBatch = DEFAULT_MAX_BATCH } = options;
    assertSafeName('topic', topic);
    assertSafeName('groupId', groupId);
    const deadLetterTopic = deadLetterTopicOf(options);
    assertSafeName('deadLetterTopic', deadLetterTopic);
    if (from !== 'earliest' && from !== 'latest') throw RecsysError.badRequest('from', "must be 'earliest' or 'latest'");
    if (!Number.isInteger(maxBatch) || maxBatch < 1) throw RecsysError.badRequest('maxBatch', 'must be a positive integer');
    if (typeof handler !== 'function') throw RecsysError.badRequest('handler', 'must be a function');

    const file = this.topicFile(topic);
    const offsetFile = ephemeral ? undefined : path.join(this.dir, 'offsets', `${groupId}.${topic}.json`);
    if (offsetFile !== undefined && this.activeGroups.has(offsetFile)) {
      throw RecsysError.badRequest('groupId', `group ${groupId} already has a live subscription to ${topic} on this bus`);
    }
    await ensureFile(file);
    const handle = await fs.open(file, 'r');
    try {
      let position = offsetFile === undefined ? undefined : await this.readCommitted(offsetFile, topic, groupId);
      const size = (await handle.stat()).size;
      if (position !== undefined && position > size) {
        this.warn(`event bus: committed position ${position} of group ${groupId} is past the end of ${file} (${size}); starting from ${from}`);
        position = undefined;
      }
      const fresh = position === undefined;
      if (position === undefined) position = from === 'earliest' ? 0 : await this.endOf(handle, size);
      if (this.closed) throw new RecsysError('unavailable', 'event bus is closed');
      if (offsetFile !== undefined) {
        if (this.activeGroups.has(offsetFile)) {
          throw RecsysError.badRequest('groupId', `group ${groupId} already has a live subscription to ${topic} on this bus`);
        }
        this.activeGroups.add(offsetFile);
      }
      const subscription: FileLogSubscription = new FileLogSubscription(
        {
          topic,
          groupId,
          file,
          offsetFile,
          handler,
          publishDeadLetters: (letters) => this.append(deadLetterTopic, deadLetterMessages(letters)),
          maxBatch,
          pollMs: this.pollMs,
          chunkBytes: this.chunkBytes,
          fsync: this.fsync,
          warn: this.warn,
          onStopped: () => {
            this.subscriptions.delete(subscription);
            if (offsetFile !== undefined) this.activeGroups.delete(offsetFile);
          },
        },
        handle,
        position,
      );
      if (fresh && offsetFile !== undefined) {
        await writeFileAtomic(offsetFile, JSON.stringify({ topic, groupId, position } satisfies OffsetRecord), this.fsync);
      }
      this.subscriptions.add(subscription);
      subscription.start();
      return subscription;
    } catch (error) {
      await handle.close();
      throw error;
    }
  }

  /** Stops every subscription (each finishes its batch in flight), waits for pending appends, closes files. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.subscriptions].map((subscription) => subscription.stop()));
    await Promise.all([...this.writers.values()].map((writer) => writer.close()));
    this.writers.clear();
  }

  /** The end of the last complete frame; the file size when an unreadable header stops the walk (readers resync). */
  private async endOf(handle: FileHandle, size: number): Promise<number> {
    const walk = await walkFrames(handle, 0, this.chunkBytes);
    return walk.stop === 'bad-header' ? size : walk.end;
  }

  private assertOpen(): void {
    if (this.closed) throw new RecsysError('unavailable', 'event bus is closed');
  }

  /** The committed position of a group, or undefined when it has none. */
  private async readCommitted(offsetFile: string, topic: string, groupId: string): Promise<number | undefined> {
    let text: string;
    try {
      text = await fs.readFile(offsetFile, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    let record: Partial<OffsetRecord>;
    try {
      record = JSON.parse(text) as Partial<OffsetRecord>;
    } catch (error) {
      throw new RecsysError('internal', `offset file ${offsetFile} is not valid JSON: ${errorMessage(error)}`);
    }
    if (typeof record.position !== 'number' || !Number.isSafeInteger(record.position) || record.position < 0) {
      throw new RecsysError('internal', `offset file ${offsetFile} has no valid position`);
    }
    // `<group>.<topic>` is ambiguous when names contain dots: refuse to share a file between two pairs.
    if (record.topic !== topic || record.groupId !== groupId) {
      throw RecsysError.badRequest(
        'groupId',
        `offset file ${offsetFile} belongs to group ${String(record.groupId)} on topic ${String(record.topic)}; rename group ${groupId}`,
      );
    }
    return record.position;
  }
}

/**
 * Opens (creating when needed) a {@link FileLogEventBus} in `dir`.
 *
 * @param dir directory of the topic logs; `offsets/` beneath it holds group positions.
 */
export async function openFileLogEventBus(dir: string, options: FileLogEventBusOptions = {}): Promise<FileLogEventBus> {
  await fs.mkdir(path.join(dir, 'offsets'), { recursive: true });
  return new FileLogEventBus(dir, options);
}
