import { status as Status } from '@grpc/grpc-js';
import type { ErrorCategory } from '@recsys/domain';
import type { PreRankRequest, RankingServiceClient, RankRequest, RankResponse } from '@recsys/contracts';
import type { PromiseClient, UnaryMethodNames } from './client';
import { categoryOf, statusOf } from './status';

describe('status table', () => {
  const table: [ErrorCategory, Status][] = [
    ['bad-request', Status.INVALID_ARGUMENT],
    ['not-found', Status.NOT_FOUND],
    ['deadline', Status.DEADLINE_EXCEEDED],
    ['unavailable', Status.UNAVAILABLE],
    ['internal', Status.INTERNAL],
  ];

  it.each(table)('%s <-> %s', (category, code) => {
    expect(statusOf(category)).toBe(code);
    expect(categoryOf(code)).toBe(category);
  });

  it('maps CANCELLED to unavailable and every other code to internal', () => {
    expect(categoryOf(Status.CANCELLED)).toBe('unavailable');
    for (const code of [Status.UNKNOWN, Status.UNIMPLEMENTED, Status.PERMISSION_DENIED, Status.DATA_LOSS, Status.OK]) {
      expect(categoryOf(code)).toBe('internal');
    }
  });
});

// Type-level checks of PromiseClient (compiled by `tsc -p tsconfig.json`; an unmet @ts-expect-error fails it).
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
const assertType = <T extends true>(value: T) => value;

describe('PromiseClient typing', () => {
  it('keeps exactly the unary RPC methods, with request and response types from the ts-proto overloads', () => {
    type Ranking = PromiseClient<RankingServiceClient>;
    assertType<Equal<UnaryMethodNames<RankingServiceClient>, 'preRank' | 'rank' | 'rankColumns'>>(true);
    assertType<Equal<Parameters<Ranking['rank']>[0], RankRequest>>(true);
    assertType<Equal<ReturnType<Ranking['rank']>, Promise<RankResponse>>>(true);
    const probe = (client: Ranking, request: PreRankRequest) => {
      // @ts-expect-error grpc-js Client methods are not part of the promise client
      void client.getChannel;
      // @ts-expect-error a PreRankRequest is not a RankRequest
      void client.rank(request);
      client.close();
    };
    expect(typeof probe).toBe('function');
  });
});
