/** Event bus topics of the system. Payloads are protobuf messages of `@recsys/contracts`. */
export const TOPICS = {
  /** `recsys.events.v1.EngagementEvent`, keyed by user id. */
  engagement: 'recsys.engagement.v1',
  /** `recsys.v1.CatalogEvent` (item and user upserts), keyed by item or user id. */
  catalog: 'recsys.catalog.v1',
  /** `recsys.v1.ServedEvent` (impressions and served features), keyed by user id. */
  served: 'recsys.served.v1',
} as const;

/** Name of a topic of the system. */
export type TopicName = (typeof TOPICS)[keyof typeof TOPICS];
