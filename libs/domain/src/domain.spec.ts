import { errorCategory, errorMessage, RecsysError } from './errors';
import { AGE_BUCKETS, EVENT_TYPES, GENDERS, segmentOf } from './model';

describe('RecsysError', () => {
  it('names the field and the rule in bad-request errors', () => {
    const error = RecsysError.badRequest('events[2].user_id', 'must not be empty');
    expect(error).toBeInstanceOf(Error);
    expect(error.category).toBe('bad-request');
    expect(error.field).toBe('events[2].user_id');
    expect(error.message).toBe('events[2].user_id: must not be empty');
  });

  it('keeps the cause and classifies foreign errors as internal', () => {
    const cause = new Error('socket closed');
    const error = new RecsysError('unavailable', 'bus down', { cause });
    expect(error.cause).toBe(cause);
    expect(errorCategory(error)).toBe('unavailable');
    expect(errorCategory(cause)).toBe('internal');
    expect(errorCategory('text')).toBe('internal');
    expect(errorMessage(cause)).toBe('socket closed');
    expect(errorMessage(42)).toBe('42');
  });
});

describe('model', () => {
  it('keeps enum lists in wire order', () => {
    expect(EVENT_TYPES).toEqual(['impression', 'click', 'save', 'share', 'hide', 'dwell']);
    expect(AGE_BUCKETS[0]).toBe('unknown');
    expect(GENDERS[0]).toBe('unknown');
  });

  it('segments users by country and age bucket, and unknown users into "all"', () => {
    expect(segmentOf({ country: 'US', ageBucket: '25-34' })).toBe('US|25-34');
    expect(segmentOf({ country: '', ageBucket: 'unknown' })).toBe('-|unknown');
    expect(segmentOf(undefined)).toBe('all');
  });
});
