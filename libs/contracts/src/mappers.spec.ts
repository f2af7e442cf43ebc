import { EngagementType } from './gen/recsys/events/v1/engagement_event';
import { AgeBucket, Gender, Surface } from './gen/recsys/v1/common';
import {
  eventFromWire,
  eventToWire,
  eventTypeFromWire,
  itemFromWire,
  itemToWire,
  surfaceFromWire,
  userFromWire,
  userToWire,
} from './mappers';
import type { EngagementEvent, Item, User } from '@recsys/domain';

describe('mappers', () => {
  it('maps engagement types both ways and rejects UNSPECIFIED', () => {
    expect(eventTypeFromWire(EngagementType.ENGAGEMENT_TYPE_SAVE)).toBe('save');
    expect(eventTypeFromWire(EngagementType.ENGAGEMENT_TYPE_DWELL)).toBe('dwell');
    expect(eventTypeFromWire(EngagementType.ENGAGEMENT_TYPE_UNSPECIFIED)).toBeUndefined();
    expect(eventTypeFromWire(99 as EngagementType)).toBeUndefined();
  });

  it('maps surfaces and leaves unknown ones undefined', () => {
    expect(surfaceFromWire(Surface.SURFACE_HOME_FEED)).toBe('home_feed');
    expect(surfaceFromWire(Surface.SURFACE_RELATED_PINS)).toBe('related_pins');
    expect(surfaceFromWire(Surface.SURFACE_UNSPECIFIED)).toBeUndefined();
  });

  it('round-trips items, users and events', () => {
    const item: Item = {
      id: 'pin_1', creatorId: 'creator_1', topics: ['topic_01', 'topic_02'], aspectRatio: 0.667,
      createdAtMs: 1767225600000, quality: 0.8, embedding: [0.5, -0.25], unsafe: false,
    };
    expect(itemFromWire(itemToWire(item))).toEqual(item);
    const user: User = { id: 'user_1', ageBucket: '25-34', gender: 'female', country: 'US', signupAtMs: 1767225600000 };
    expect(userFromWire(userToWire(user))).toEqual(user);
    const event: EngagementEvent = {
      eventId: 'ev_1', userId: 'user_1', itemId: 'pin_1', type: 'click', timestampMs: 1767225600123,
      dwellMs: 0, requestId: 'req_1', position: 3, surface: 'home_feed', boardId: '',
    };
    expect(eventFromWire(eventToWire(event))).toEqual(event);
  });

  it('upper-cases countries and maps unknown enums to unknown', () => {
    const user = userFromWire({ userId: 'u', ageBucket: 42 as AgeBucket, gender: Gender.GENDER_OTHER, country: 'de', signupAtMs: '0' });
    expect(user).toMatchObject({ ageBucket: 'unknown', gender: 'other', country: 'DE' });
    expect(userToWire({ ...user, ageBucket: '55+' }).ageBucket).toBe(AgeBucket.AGE_BUCKET_55_PLUS);
  });
});
