// Keeps the recall state up to date from the event bus: replays catalog then engagement, then follows both topics.
import type { Logger } from '@recsys/logger';
import { TOPICS, decodeEach, replayTopics, type DeliveredMessage, type EventBus } from '@recsys/stores';
import { errorMessage } from '@recsys/domain';
import { decodeCatalogUpsert, decodeEngagement } from '@recsys/contracts';
import type { Item } from '@recsys/domain';
import type { TwoTowerRecall } from '../models/two-tower-recall';
import type { ContentVectors } from './content-vectors';
import type { RecallIndex } from './recall-index';
import { boardKeyOf, type SaveGraph } from './save-graph';

/** Dependencies of {@link startRecallStream}. */
export interface RecallStreamDeps {
  bus: EventBus;
  index: RecallIndex;
  logger: Logger;
  /** The live save graph: every new save event adds an edge. */
  graph?: SaveGraph;
  /** The content-embedding collection: every catalog item upsert is mirrored into it. */
  content?: ContentVectors;
  /** The two-tower item collection: every catalog item upsert is mirrored into it once a model is loaded. */
  twoTower?: TwoTowerRecall;
  /** Consumer group. Default `recall`. */
  groupId?: string;
}

/** The running subscriptions that feed the index. */
export interface RecallStream {
  /** Resolves when everything published before the call has been applied. */
  caughtUp(): Promise<void>;
  /** Stops both subscriptions. */
  stop(): Promise<void>;
}

/**
 * Subscribes to the catalog and engagement topics (ephemeral, from `earliest`: the index lives in memory and is
 * rebuilt by replay at every start) and resolves once both have caught up with the log. The catalog is replayed
 * to its end before engagement starts, so each replayed event is attributed to its user's segment and its item's
 * topics. Messages that cannot be decoded are logged and skipped (redelivering them would never succeed).
 * Besides the index, item upserts are mirrored into the content-embedding and two-tower collections and save events
 * become edges of the save graph (a save of a duplicate event id is applied once).
 */
export async function startRecallStream(deps: RecallStreamDeps): Promise<RecallStream> {
  const { bus, index, logger, graph, content, twoTower } = deps;
  const groupId = deps.groupId ?? 'recall';
  const skip = (message: DeliveredMessage, error: unknown) =>
    logger.warn('skipping undecodable bus message', { topic: message.topic, offset: message.offset, error: errorMessage(error) });

  const applyCatalog = async (batch: DeliveredMessage[]) => {
    const items: Item[] = [];
    for (const upsert of decodeEach(batch, decodeCatalogUpsert, skip)) {
      if (upsert.kind === 'item') {
        index.applyItem(upsert.item, upsert.atMs);
        items.push(upsert.item);
      } else index.applyUser(upsert.user, upsert.atMs);
    }
    if (content && items.length > 0) {
      // Fail open: a vector store outage must not hold up the catalog (the content channel just lags).
      await content.apply(items).catch((error: unknown) =>
        logger.warn('content vectors not updated', { items: items.length, error: errorMessage(error) }),
      );
    }
    if (twoTower && items.length > 0) {
      await twoTower.apply(items).catch((error: unknown) =>
        logger.warn('two-tower item vectors not updated', { items: items.length, error: errorMessage(error) }),
      );
    }
  };

  const applyEngagement = async (batch: DeliveredMessage[]) => {
    for (const event of decodeEach(batch, decodeEngagement, skip)) {
      if (index.applyEvent(event) && event.type === 'save') graph?.addSave(event.itemId, boardKeyOf(event.boardId, event.userId));
    }
  };

  return replayTopics(bus, groupId, [
    { topic: TOPICS.catalog, handler: applyCatalog },
    { topic: TOPICS.engagement, handler: applyEngagement },
  ]);
}
