/**
 * Line charts as PNG files, with no dependency beyond node:zlib: a white canvas, axes with value and x labels, one
 * polyline with markers per series, a legend and a title, drawn into an RGB buffer and encoded as a PNG (8-bit RGB,
 * filter 0, one deflated IDAT). Text uses a built-in 5×7 bitmap font (upper-case letters, digits, common signs;
 * lower case is drawn in upper case, other characters as blanks).
 */
import { crc32, deflateSync } from 'node:zlib';

/** An RGB colour. */
export type Rgb = readonly [number, number, number];

/** One line of a chart: a value per x position (NaN leaves a gap). */
export interface ChartSeries {
  name: string;
  values: readonly number[];
  color?: Rgb;
}

/** A line chart. */
export interface LineChart {
  title: string;
  /** Labels of the x positions, in order. */
  x: readonly (string | number)[];
  xLabel?: string;
  yLabel?: string;
  series: readonly ChartSeries[];
  /** Lower end of the y axis (default: 0, or the smallest value when it is negative). */
  yMin?: number;
  width?: number;
  height?: number;
}

/** Colours given to series without one, in order. */
export const CHART_PALETTE: readonly Rgb[] = [
  [31, 119, 180],
  [255, 127, 14],
  [44, 160, 44],
  [214, 39, 40],
  [148, 103, 189],
  [140, 86, 75],
  [227, 119, 194],
  [127, 127, 127],
];

// 5×7 glyphs: seven rows of five bits, the most significant bit the leftmost pixel.
const GLYPHS: Record<string, readonly number[]> = {
  '0': [0x0e, 0x11, 0x13, 0x15, 0x19, 0x11, 0x0e],
  '1': [0x04, 0x0c, 0x04, 0x04, 0x04, 0x04, 0x0e],
  '2': [0x0e, 0x11, 0x01, 0x02, 0x04, 0x08, 0x1f],
  '3': [0x1f, 0x02, 0x04, 0x02, 0x01, 0x11, 0x0e],
  '4': [0x02, 0x06, 0x0a, 0x12, 0x1f, 0x02, 0x02],
  '5': [0x1f, 0x10, 0x1e, 0x01, 0x01, 0x11, 0x0e],
  '6': [0x06, 0x08, 0x10, 0x1e, 0x11, 0x11, 0x0e],
  '7': [0x1f, 0x01, 0x02, 0x04, 0x08, 0x08, 0x08],
  '8': [0x0e, 0x11, 0x11, 0x0e, 0x11, 0x11, 0x0e],
  '9': [0x0e, 0x11, 0x11, 0x0f, 0x01, 0x02, 0x0c],
  A: [0x0e, 0x11, 0x11, 0x1f, 0x11, 0x11, 0x11],
  B: [0x1e, 0x11, 0x11, 0x1e, 0x11, 0x11, 0x1e],
  C: [0x0e, 0x11, 0x10, 0x10, 0x10, 0x11, 0x0e],
  D: [0x1c, 0x12, 0x11, 0x11, 0x11, 0x12, 0x1c],
  E: [0x1f, 0x10, 0x10, 0x1e, 0x10, 0x10, 0x1f],
  F: [0x1f, 0x10, 0x10, 0x1e, 0x10, 0x10, 0x10],
  G: [0x0e, 0x11, 0x10, 0x17, 0x11, 0x11, 0x0f],
  H: [0x11, 0x11, 0x11, 0x1f, 0x11, 0x11, 0x11],
  I: [0x0e, 0x04, 0x04, 0x04, 0x04, 0x04, 0x0e],
  J: [0x07, 0x02, 0x02, 0x02, 0x02, 0x12, 0x0c],
  K: [0x11, 0x12, 0x14, 0x18, 0x14, 0x12, 0x11],
  L: [0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x1f],
  M: [0x11, 0x1b, 0x15, 0x15, 0x11, 0x11, 0x11],
  N: [0x11, 0x11, 0x19, 0x15, 0x13, 0x11, 0x11],
  O: [0x0e, 0x11, 0x11, 0x11, 0x11, 0x11, 0x0e],
  P: [0x1e, 0x11, 0x11, 0x1e, 0x10, 0x10, 0x10],
  Q: [0x0e, 0x11, 0x11, 0x11, 0x15, 0x12, 0x0d],
  R: [0x1e, 0x11, 0x11, 0x1e, 0x14, 0x12, 0x11],
  S: [0x0f, 0x10, 0x10, 0x0e, 0x01, 0x01, 0x1e],
  T: [0x1f, 0x04, 0x04, 0x04, 0x04, 0x04, 0x04],
  U: [0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x0e],
  V: [0x11, 0x11, 0x11, 0x11, 0x11, 0x0a, 0x04],
  W: [0x11, 0x11, 0x11, 0x15, 0x15, 0x15, 0x0a],
  X: [0x11, 0x11, 0x0a, 0x04, 0x0a, 0x11, 0x11],
  Y: [0x11, 0x11, 0x11, 0x0a, 0x04, 0x04, 0x04],
  Z: [0x1f, 0x01, 0x02, 0x04, 0x08, 0x10, 0x1f],
  '.': [0, 0, 0, 0, 0, 0x0c, 0x0c],
  ',': [0, 0, 0, 0, 0x0c, 0x04, 0x08],
  '-': [0, 0, 0, 0x1f, 0, 0, 0],
  '+': [0, 0x04, 0x04, 0x1f, 0x04, 0x04, 0],
  '=': [0, 0, 0x1f, 0, 0x1f, 0, 0],
  '/': [0, 0x01, 0x02, 0x04, 0x08, 0x10, 0],
  ':': [0, 0x0c, 0x0c, 0, 0x0c, 0x0c, 0],
  '(': [0x02, 0x04, 0x08, 0x08, 0x08, 0x04, 0x02],
  ')': [0x08, 0x04, 0x02, 0x02, 0x02, 0x04, 0x08],
  '%': [0x18, 0x19, 0x02, 0x04, 0x08, 0x13, 0x03],
  _: [0, 0, 0, 0, 0, 0, 0x1f],
};

/** An RGB canvas. */
class Canvas {
  readonly pixels: Uint8Array;
  constructor(
    readonly width: number,
    readonly height: number,
  ) {
    this.pixels = new Uint8Array(width * height * 3).fill(255);
  }

  set(x: number, y: number, c: Rgb): void {
    x = Math.round(x);
    y = Math.round(y);
    if (x < 0 || y < 0 || x >= this.width || y >= this.height) return;
    const i = (y * this.width + x) * 3;
    this.pixels[i] = c[0];
    this.pixels[i + 1] = c[1];
    this.pixels[i + 2] = c[2];
  }

  rect(x0: number, y0: number, w: number, h: number, c: Rgb): void {
    for (let y = Math.round(y0); y < Math.round(y0 + h); y++) for (let x = Math.round(x0); x < Math.round(x0 + w); x++) this.set(x, y, c);
  }

  /** A line `thickness` pixels wide (a square brush along the segment). */
  line(x0: number, y0: number, x1: number, y1: number, c: Rgb, thickness = 1): void {
    const steps = Math.max(1, Math.ceil(Math.max(Math.abs(x1 - x0), Math.abs(y1 - y0))));
    const half = (thickness - 1) / 2;
    for (let s = 0; s <= steps; s++) {
      const x = x0 + ((x1 - x0) * s) / steps;
      const y = y0 + ((y1 - y0) * s) / steps;
      for (let dy = -half; dy <= half; dy++) for (let dx = -half; dx <= half; dx++) this.set(x + dx, y + dy, c);
    }
  }

  /** Text at (x, y) (top left) in the 5×7 font, `scale` pixels per font pixel; returns its width. */
  text(x: number, y: number, s: string, c: Rgb, scale = 2): number {
    let cx = x;
    for (const ch of s.toUpperCase()) {
      const glyph = GLYPHS[ch];
      if (glyph) {
        for (let row = 0; row < 7; row++) {
          for (let col = 0; col < 5; col++) if (glyph[row] & (1 << (4 - col))) this.rect(cx + col * scale, y + row * scale, scale, scale, c);
        }
      }
      cx += 6 * scale;
    }
    return cx - x;
  }
}

/** Width in pixels of `s` drawn by {@link Canvas.text}. */
const textWidth = (s: string, scale = 2) => s.length * 6 * scale;

/** A short label for an axis value. */
function tickLabel(v: number, step: number): string {
  const digits = Math.max(0, Math.min(6, -Math.floor(Math.log10(step)) + 1));
  return v.toFixed(step >= 1 && Number.isInteger(v) ? 0 : digits);
}

/** A "nice" step (1, 2 or 5 × 10^k) giving about `ticks` intervals over `span`. */
function niceStep(span: number, ticks: number): number {
  const raw = span / ticks;
  const k = Math.pow(10, Math.floor(Math.log10(raw)));
  const m = raw / k;
  return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * k;
}

/** Encodes an RGB canvas as a PNG. */
function encodePng(canvas: Canvas): Buffer {
  const { width, height, pixels } = canvas;
  const raw = Buffer.alloc((width * 3 + 1) * height);
  for (let y = 0; y < height; y++) {
    raw[y * (width * 3 + 1)] = 0; // filter: none
    Buffer.from(pixels.buffer, pixels.byteOffset + y * width * 3, width * 3).copy(raw, y * (width * 3 + 1) + 1);
  }
  const chunk = (type: string, data: Buffer) => {
    const head = Buffer.alloc(8);
    head.writeUInt32BE(data.length, 0);
    head.write(type, 4, 'ascii');
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])) >>> 0, 0);
    return Buffer.concat([head, data, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // colour type: RGB
  return Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
}

/** Draws `chart` and returns the PNG file's bytes. Throws a RangeError for a chart without x positions or series. */
export function lineChartPng(chart: LineChart): Buffer {
  if (chart.x.length === 0 || chart.series.length === 0) throw new RangeError('a chart needs x positions and at least one series');
  const width = chart.width ?? 900;
  const height = chart.height ?? 480;
  const canvas = new Canvas(width, height);
  const black: Rgb = [30, 30, 30];
  const grey: Rgb = [200, 200, 200];
  const values = chart.series.flatMap((s) => s.values.filter(Number.isFinite));
  let lo = chart.yMin ?? Math.min(0, ...values);
  let hi = Math.max(...values, lo + 1e-9);
  const step = niceStep(hi - lo || 1, 5);
  lo = Math.floor(lo / step) * step;
  hi = Math.ceil(hi / step) * step;
  const labels = [];
  for (let v = lo; v <= hi + step / 2; v += step) labels.push(v);
  const left = 20 + Math.max(...labels.map((v) => textWidth(tickLabel(v, step)))) + (chart.yLabel ? 0 : 0);
  const top = 50;
  // Legend entries in as many columns as their longest name allows (at most 3).
  const entryWidth = 40 + Math.max(...chart.series.map((s) => textWidth(s.name)));
  const columns = Math.max(1, Math.min(3, Math.floor((width - 40) / entryWidth)));
  const legendHeight = 24 * Math.ceil(chart.series.length / columns);
  const bottom = height - 60 - legendHeight;
  const right = width - 20;
  canvas.text(left, 16, chart.title, black);
  if (chart.yLabel) canvas.text(left + textWidth(chart.title) + 24, 16, `(${chart.yLabel})`, [110, 110, 110]);
  const yOf = (v: number) => bottom - ((v - lo) / (hi - lo)) * (bottom - top);
  const n = chart.x.length;
  const xOf = (i: number) => (n === 1 ? (left + right) / 2 : left + 10 + (i * (right - left - 20)) / (n - 1));
  for (const v of labels) {
    const y = yOf(v);
    canvas.line(left, y, right, y, grey);
    const label = tickLabel(v, step);
    canvas.text(left - 8 - textWidth(label), y - 7, label, black);
  }
  canvas.line(left, top, left, bottom, black, 2);
  canvas.line(left, bottom, right, bottom, black, 2);
  chart.x.forEach((x, i) => {
    const label = String(x);
    canvas.line(xOf(i), bottom, xOf(i), bottom + 5, black);
    canvas.text(xOf(i) - textWidth(label) / 2, bottom + 10, label, black);
  });
  if (chart.xLabel) canvas.text((left + right) / 2 - textWidth(chart.xLabel) / 2, bottom + 32, chart.xLabel, [110, 110, 110]);
  chart.series.forEach((s, k) => {
    const color = s.color ?? CHART_PALETTE[k % CHART_PALETTE.length];
    let prev: [number, number] | undefined;
    s.values.forEach((v, i) => {
      if (!Number.isFinite(v) || i >= n) {
        prev = undefined;
        return;
      }
      const point: [number, number] = [xOf(i), yOf(v)];
      if (prev) canvas.line(prev[0], prev[1], point[0], point[1], color, 3);
      canvas.rect(point[0] - 3, point[1] - 3, 7, 7, color);
      prev = point;
    });
    const lx = 20 + (k % columns) * ((width - 40) / columns);
    const ly = height - legendHeight - 8 + Math.floor(k / columns) * 24;
    canvas.rect(lx, ly + 2, 20, 10, color);
    canvas.text(lx + 28, ly, s.name, black);
  });
  return encodePng(canvas);
}
