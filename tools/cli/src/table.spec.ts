import { renderTable } from './table';

describe('renderTable', () => {
  it('aligns text left and numbers right, with a rule under the headers', () => {
    const out = renderTable(['rank', 'item', 'score'], [[1, 'pin_1', 0.5], [10, 'pin_10', 12.25]]);
    expect(out.split('\n')).toEqual([
      'rank  item      score',
      '----  ------  -------',
      '   1  pin_1    0.5000',
      '  10  pin_10  12.2500',
    ]);
  });

  it('renders headers only for no rows', () => {
    expect(renderTable(['a', 'b'], []).split('\n')).toEqual(['a  b', '-  -']);
  });
});
