import { RecsysError } from '@recsys/domain';
import { KafkaJSAggregateError, KafkaJSConnectionError, KafkaJSNonRetriableError, KafkaJSNumberOfRetriesExceeded, KafkaJSProtocolError } from 'kafkajs';
import { describeKafkaError, isRetriable, rootCause } from './kafka-errors';

const protocol = (type: string, retriable: boolean) => new KafkaJSProtocolError({ message: `${type} happened`, type, code: 1, retriable } as never);

describe('kafka errors', () => {
  it('finds the root cause through kafkajs and RecsysError wrappers', () => {
    const refused = new KafkaJSConnectionError('Connection error: connect ECONNREFUSED 127.0.0.1:1');
    const exhausted = new KafkaJSNumberOfRetriesExceeded(refused, { retryCount: 3, retryTime: 100, cause: refused } as never);
    const wrapped = new RecsysError('unavailable', 'creating topic t failed', { cause: exhausted });
    expect(rootCause(wrapped)).toBe(refused);
    expect(rootCause('plain')).toBe('plain');
  });

  it('calls broker outages retriable and Kafka-permanent or programming errors not', () => {
    const refused = new KafkaJSConnectionError('Connection error: connect ECONNREFUSED 127.0.0.1:1');
    expect(isRetriable(new KafkaJSNumberOfRetriesExceeded(refused, { retryCount: 3, retryTime: 100, cause: refused } as never))).toBe(true);
    expect(isRetriable(protocol('NOT_COORDINATOR', true))).toBe(true);
    expect(isRetriable(protocol('MESSAGE_TOO_LARGE', false))).toBe(false);
    expect(isRetriable(new KafkaJSNonRetriableError('bad'))).toBe(false);
    expect(isRetriable(new TypeError('undefined is not a function'))).toBe(false);
    expect(isRetriable(new KafkaJSAggregateError('Topic creation errors', [protocol('INVALID_CONFIG', false)]))).toBe(false);
    expect(isRetriable(new KafkaJSAggregateError('Topic creation errors', [protocol('NOT_CONTROLLER', true)]))).toBe(true);
  });

  it('describes an error with its root cause unless the message already says it', () => {
    const refused = new KafkaJSConnectionError('connect ECONNREFUSED');
    expect(describeKafkaError(new RecsysError('unavailable', 'publish failed', { cause: refused }))).toBe('publish failed (cause: connect ECONNREFUSED)');
    expect(describeKafkaError(new RecsysError('unavailable', 'publish failed: connect ECONNREFUSED', { cause: refused }))).toBe(
      'publish failed: connect ECONNREFUSED',
    );
  });
});
