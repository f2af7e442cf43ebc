import { crc32, inflateSync } from 'node:zlib';
import { CHART_PALETTE, lineChartPng } from './png-chart';

/** The chunks of a PNG file, their CRCs checked. */
function chunks(png: Buffer): { type: string; data: Buffer }[] {
  expect([...png.subarray(0, 8)]).toEqual([137, 80, 78, 71, 13, 10, 26, 10]);
  const out: { type: string; data: Buffer }[] = [];
  for (let at = 8; at < png.length; ) {
    const length = png.readUInt32BE(at);
    const type = png.toString('ascii', at + 4, at + 8);
    const data = png.subarray(at + 8, at + 8 + length);
    expect(png.readUInt32BE(at + 8 + length)).toBe(crc32(png.subarray(at + 4, at + 8 + length)) >>> 0);
    out.push({ type, data });
    at += 12 + length;
  }
  return out;
}

describe('lineChartPng', () => {
  const chart = {
    title: 'Clicks per page',
    x: [1, 2, 3],
    series: [
      { name: 'control', values: [1, 2, 3] },
      { name: 'oracle', values: [3, NaN, 3.5] },
    ],
    width: 300,
    height: 200,
  };

  it('writes a valid 8-bit RGB PNG of the asked size: white canvas, each series in its colour', () => {
    const parts = chunks(lineChartPng(chart));
    expect(parts.map((c) => c.type)).toEqual(['IHDR', 'IDAT', 'IEND']);
    const ihdr = parts[0].data;
    expect([ihdr.readUInt32BE(0), ihdr.readUInt32BE(4), ihdr[8], ihdr[9]]).toEqual([300, 200, 8, 2]);
    const raw = inflateSync(parts[1].data);
    const stride = 300 * 3 + 1;
    expect(raw.length).toBe(stride * 200);
    const colours = new Set<string>();
    for (let y = 0; y < 200; y++) {
      expect(raw[y * stride]).toBe(0); // filter byte
      for (let x = 0; x < 300; x++) colours.add(raw.subarray(y * stride + 1 + x * 3, y * stride + 4 + x * 3).join(','));
    }
    expect(raw.subarray(1, 4).join(',')).toBe('255,255,255'); // the top-left corner is background
    expect(colours.has(CHART_PALETTE[0].join(','))).toBe(true);
    expect(colours.has(CHART_PALETTE[1].join(','))).toBe(true);
  });

  it('is deterministic and refuses a chart with nothing to draw', () => {
    expect(lineChartPng(chart).equals(lineChartPng(chart))).toBe(true);
    expect(() => lineChartPng({ ...chart, series: [] })).toThrow(RangeError);
    expect(() => lineChartPng({ ...chart, x: [] })).toThrow(RangeError);
  });
});
