import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadDataset, readWorldManifest } from '@recsys/datasets';
import { formatBytes, worldGenerateCommand } from './world';

describe('worldGenerateCommand', () => {
  const root = mkdtempSync(join(tmpdir(), 'recsys-world-cli-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('writes the world and its events, and reports phases, file sizes and peak RSS', async () => {
    const out = join(root, 'w');
    const lines: string[] = [];
    const summary = await worldGenerateCommand({ pins: 300, users: 40, events: 2000, seed: 3, days: 5, out, progress: false, print: (l) => lines.push(l) });
    expect(summary.events).toBe(2000);
    expect(Object.keys(summary.files).sort()).toEqual(readdirSync(out).sort());
    expect(summary.files['events.parquet']).toBeGreaterThan(0);
    expect(summary.peakRssBytes).toBeGreaterThan(0);
    expect(lines[0]).toMatch(/^world +[\d.]+ s +\d+ topics, \d+ creators, 300 pins, 40 users, \d+ boards$/);
    expect(lines.some((l) => /^events +[\d.]+ s +2000 events/.test(l))).toBe(true);
    expect(lines[lines.length - 1]).toMatch(/^total +[\d.]+ s, .* on disk, peak RSS [\d.]+ [KMG]B$/);
    const manifest = readWorldManifest(out);
    expect(manifest.options).toMatchObject({ seed: 3, pins: 300, users: 40, days: 5 });
    expect(manifest.events).toMatchObject({ count: 2000, meta: { seed: 3 } });
    expect((await loadDataset(out, 'world')).users?.size).toBe(40);
  });

  it('refuses a non-empty folder unless forced', async () => {
    const out = join(root, 'busy');
    const opts = { pins: 100, users: 10, events: 100, seed: 1, days: 2, out, progress: false, print: () => undefined };
    await worldGenerateCommand(opts);
    writeFileSync(join(out, 'notes.txt'), 'mine');
    await expect(worldGenerateCommand(opts)).rejects.toThrow('is not empty (use --force');
    await expect(worldGenerateCommand({ ...opts, force: true })).resolves.toMatchObject({ events: 100 });
  });

  it('formats sizes in powers of 1024', () => {
    expect([0, 1023, 1024, 1536, 5 * 1024 ** 2, 3.25 * 1024 ** 3].map(formatBytes)).toEqual(['0 B', '1023 B', '1.0 KB', '1.5 KB', '5.0 MB', '3.3 GB']);
  });
});
