import { DatasetError } from '../errors';
import { loadDataset } from '../load-dataset';
import { entries, fixture, thrown } from '../testing/fixtures';
import { demographicSegmentOf, movieLensAgeBucket } from './demographics';

const flags = (on: number[]): string => Array.from({ length: 19 }, (_, g) => (on.includes(g) ? '1' : '0')).join('|');

describe('MovieLens 100k', () => {
  const fx = fixture();
  afterAll(() => fx.remove());

  it('reads u.data ratings (seconds → ms, latest duplicate wins), u.user demographics and u.item genres', async () => {
    const dir = `${fx.dir}/ml-100k`;
    fx.write('ml-100k/u.data', ['196\t242\t3\t881250949', '186\t302\t3\t891717742', '196\t302\t5\t881251000', '22\t377\t1\t878887116', '186\t302\t4\t891717000', ''].join('\n'));
    fx.write('ml-100k/u.user', ['196|49|M|writer|55105', '186|39|F|executive|00000', '22|17|M|student|T8H1N'].join('\n'));
    fx.write(
      'ml-100k/u.item',
      [
        `242|Kolya (1996)|24-Jan-1997||http://us.imdb.com/M/title-exact?Kolya%20(1996)|${flags([5])}`,
        `302|Misérables, Les (1995)|01-Jan-1995||http://x|${flags([8, 14])}`,
        `377|Heavyweights (1994)|01-Jan-1994||http://y|${flags([3, 4, 5])}`,
      ].join('\n'),
      'latin1',
    );
    const d = await loadDataset(dir, 'movielens-100k');
    expect(d).toMatchObject({ name: 'ml-100k', format: 'movielens-100k', explicit: true, skipped: 0 });
    expect(d.matrix.userIds).toEqual(['196', '186', '22']);
    expect(d.matrix.itemIds).toEqual(['242', '302', '377']);
    expect(entries(d.matrix)).toEqual([
      '196 242 3 881250949000',
      '196 302 5 881251000000',
      // Two ratings of 302 by 186: the later (891717742) one wins.
      '186 302 3 891717742000',
      '22 377 1 878887116000',
    ]);
    expect(d.users?.get('196')).toEqual({ age: '49', ageBucket: '45-49', gender: 'male', occupation: 'writer', zip: '55105' });
    expect(d.users?.get('22')).toEqual({ age: '17', ageBucket: 'under-18', gender: 'male', occupation: 'student', zip: 'T8H1N' });
    expect(d.items?.get('302')).toEqual({ title: 'Misérables, Les (1995)', genres: ['Drama', 'Romance'] });
    expect(d.items?.get('377')?.genres).toEqual(['Animation', "Children's", 'Comedy']);
    expect(demographicSegmentOf(d.users?.get('186'))).toBe('35-44|female');
  });

  it('takes genre names from u.genre when present', async () => {
    const dir = `${fx.dir}/genre`;
    fx.write('genre/u.data', '1\t10\t4\t100\n');
    fx.write('genre/u.genre', 'Nothing|0\nSomething|1\n');
    fx.write('genre/u.item', '10|T|||u|0|1\n');
    const d = await loadDataset(dir, 'movielens-100k');
    expect(d.items?.get('10')).toEqual({ title: 'T', genres: ['Something'] });
    expect(d.users).toBeUndefined();
  });

  it('names the file, line and field of a malformed row', async () => {
    const dir = `${fx.dir}/bad100k`;
    fx.write('bad100k/u.data', ['1\t10\t4\t100', '1\t11\tx\t100', '2\t10\t4'].join('\n'));
    const error = await thrown(() => loadDataset(dir, 'movielens-100k'));
    expect(error).toBeInstanceOf(DatasetError);
    expect(error).toMatchObject({ file: `${dir}/u.data`, line: 2, column: 3 });
    expect((error as Error).message).toBe('u.data:2:3: expected the rating to be a number, got "x"');
  });

  it('skips and counts malformed rows in every file when asked', async () => {
    const dir = `${fx.dir}/bad100k`;
    fx.write('bad100k/u.user', ['1|30|M|writer|1', '2|30|X|writer|1'].join('\n'));
    const d = await loadDataset(dir, 'movielens-100k', { skipMalformed: true });
    expect(d.skipped).toBe(3);
    expect(d.skippedErrors.map((e) => e.message)).toEqual([
      'u.data:2:3: expected the rating to be a number, got "x"',
      'u.data:3:4: expected 4 "\\t"-separated fields (user id, item id, rating, timestamp), got 3',
      'u.user:2:3: expected the gender to be M or F, got "X"',
    ]);
    expect(entries(d.matrix)).toEqual(['1 10 4 100000']);
    expect([...(d.users?.keys() ?? [])]).toEqual(['1']);
  });

  it('reports a missing u.data', async () => {
    await expect(loadDataset(`${fx.dir}/nothing`, 'movielens-100k')).rejects.toThrow('no u.data');
  });
});

describe('MovieLens 1M', () => {
  const fx = fixture();
  afterAll(() => fx.remove());

  it('reads ratings.dat, decodes users.dat codes and movies.dat genres', async () => {
    fx.write('ratings.dat', ['1::1193::5::978300760', '1::661::3::978302109', '2::1193::4::978298413'].join('\n'));
    fx.write('users.dat', ['1::F::1::10::48067', '2::M::56::16::70072'].join('\n'), 'latin1');
    fx.write('movies.dat', ["1193::One Flew Over the Cuckoo's Nest (1975)::Drama", "661::James and the Giant Peach (1996)::Animation|Children's|Musical", '5::Père (1990)::(no genres listed)'].join('\n'), 'latin1');
    const d = await loadDataset(fx.dir, 'movielens-1m');
    expect(d.format).toBe('movielens-1m');
    expect(entries(d.matrix)).toEqual(['1 1193 5 978300760000', '1 661 3 978302109000', '2 1193 4 978298413000']);
    expect(d.matrix.itemIds).toEqual(['1193', '661']);
    expect(d.users?.get('1')).toEqual({ ageBucket: 'under-18', gender: 'female', occupation: 'K-12 student', zip: '48067' });
    expect(d.users?.get('2')).toEqual({ ageBucket: '56+', gender: 'male', occupation: 'self-employed', zip: '70072' });
    expect(d.items?.get('661')?.genres).toEqual(['Animation', "Children's", 'Musical']);
    expect(d.items?.get('5')).toEqual({ title: 'Père (1990)', genres: [] });
  });

  it('rejects an unknown age code at its field', async () => {
    fx.write('users.dat', ['1::F::1::10::48067', '', '2::M::30::16::70072'].join('\n'));
    const error = await thrown(() => loadDataset(fx.dir, 'movielens-1m'));
    expect(error).toMatchObject({ file: `${fx.dir}/users.dat`, line: 3, column: 3 });
    expect((error as Error).message).toBe('users.dat:3:3: expected the age to be one of the codes 1, 18, 25, 35, 45, 50, 56, got "30"');
  });

  it('rejects a non-integer id and a timestamp that is not whole seconds', async () => {
    fx.write('users.dat', '');
    fx.write('ratings.dat', ['1::1193::5::978300760', 'a::1::5::1'].join('\n'));
    await expect(loadDataset(fx.dir, 'movielens-1m')).rejects.toThrow('ratings.dat:2:1: expected the user id to be an integer id, got "a"');
    fx.write('ratings.dat', ['1::1193::5::978300760.5'].join('\n'));
    await expect(loadDataset(fx.dir, 'movielens-1m')).rejects.toThrow('ratings.dat:1:4: expected the timestamp to be whole seconds since 1970, got "978300760.5"');
  });
});

describe('MovieLens CSV', () => {
  const fx = fixture();
  afterAll(() => fx.remove());
  const ratings = ['userId,movieId,rating,timestamp', '1,1,4.0,964982703', '1,3,4.0,964981247', '2,11,0.5,1445714835', '2,7789,5.0,1445715000'];
  const movies = [
    'movieId,title,genres',
    '1,Toy Story (1995),Adventure|Animation|Children|Comedy|Fantasy',
    '3,Grumpier Old Men (1995),Comedy|Romance',
    '11,"American President, The (1995)",Comedy|Drama|Romance',
    '7789,"11\'09""01 - September 11 (2002)",Drama',
    '9999,"A title',
    'over two lines",(no genres listed)',
  ];

  it('reads ratings.csv (half stars, seconds → ms) and movies.csv with quoted titles', async () => {
    fx.write('ratings.csv', ratings.join('\r\n') + '\r\n');
    fx.write('movies.csv', movies.join('\n'));
    const d = await loadDataset(fx.dir, 'movielens-csv');
    expect(entries(d.matrix)).toEqual(['1 1 4 964982703000', '1 3 4 964981247000', '2 11 0.5 1445714835000', '2 7789 5 1445715000000']);
    expect(d.items?.get('11')).toEqual({ title: 'American President, The (1995)', genres: ['Comedy', 'Drama', 'Romance'] });
    expect(d.items?.get('7789')?.title).toBe('11\'09"01 - September 11 (2002)');
    expect(d.items?.get('9999')).toEqual({ title: 'A title\nover two lines', genres: [] });
    expect(d.items?.size).toBe(5);
    // The ratings file itself is accepted as the path too.
    const again = await loadDataset(`${fx.dir}/ratings.csv`, 'movielens-csv');
    expect(entries(again.matrix)).toEqual(entries(d.matrix));
  });

  it('names the line and field of a bad rating, a bad quote and a bad header', async () => {
    fx.write('ratings.csv', [...ratings, '3,1,five,1445715000'].join('\n'));
    fx.write('movies.csv', movies.join('\n'));
    await expect(loadDataset(fx.dir, 'movielens-csv')).rejects.toThrow('ratings.csv:6:3: expected the rating to be a number, got "five"');

    fx.write('ratings.csv', ratings.join('\n'));
    fx.write('movies.csv', [...movies, '12,"Dracula: Dead "and" Loving It (1995)",Comedy'].join('\n'));
    const error = await thrown(() => loadDataset(fx.dir, 'movielens-csv'));
    expect(error).toMatchObject({ file: `${fx.dir}/movies.csv`, line: 8, column: 2 });

    fx.write('ratings.csv', ['userId,itemId,rating,timestamp', '1,1,4,1'].join('\n'));
    await expect(loadDataset(fx.dir, 'movielens-csv')).rejects.toThrow(
      'ratings.csv:1:2: expected the header userId,movieId,rating,timestamp; column 2 should be "movieId", got "itemId"',
    );
  });

  it('skips and counts malformed rows, but never a bad header', async () => {
    fx.write('ratings.csv', [...ratings, '3,1,five,1445715000', '3,2', '4,1,3.5,1445715001'].join('\n'));
    fx.write('movies.csv', [...movies, '12,"Dracula: Dead "and" Loving It (1995)",Comedy', '13,Balto (1995),Animation'].join('\n'));
    const d = await loadDataset(fx.dir, 'movielens-csv', { skipMalformed: true });
    expect(d.skipped).toBe(3);
    expect(d.skippedErrors.map((e) => `${e.line}:${e.column}`)).toEqual(['6:3', '7:3', '8:2']);
    expect(d.matrix.nUsers).toBe(3);
    expect(d.matrix.userIds).toEqual(['1', '2', '4']);
    expect(d.items?.get('13')?.title).toBe('Balto (1995)');

    fx.write('ratings.csv', ['user,movieId,rating,timestamp'].join('\n'));
    await expect(loadDataset(fx.dir, 'movielens-csv', { skipMalformed: true })).rejects.toThrow('ratings.csv:1:1:');
  });

  it('reports progress in bytes up to the total', async () => {
    fx.write('ratings.csv', ratings.join('\n'));
    fx.write('movies.csv', movies.join('\n'));
    const seen: Array<[number, number]> = [];
    await loadDataset(fx.dir, 'movielens-csv', { onProgress: (done, total) => seen.push([done, total]) });
    const total = ratings.join('\n').length + Buffer.byteLength(movies.join('\n'));
    expect(seen[seen.length - 1]).toEqual([total, total]);
  });
});

describe('MovieLens age groups', () => {
  it('puts exact ages into the 1M groups', () => {
    expect([7, 17, 18, 24, 25, 44, 45, 49, 50, 55, 56, 73].map(movieLensAgeBucket)).toEqual([
      'under-18',
      'under-18',
      '18-24',
      '18-24',
      '25-34',
      '35-44',
      '45-49',
      '45-49',
      '50-55',
      '50-55',
      '56+',
      '56+',
    ]);
  });
});
