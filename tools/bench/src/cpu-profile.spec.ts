import { busyShare, hotSpots, type CpuProfile } from './cpu-profile';

describe('hotSpots', () => {
  // Root → main → (hot 6 samples, cold 1 sample), an idle node with 3 samples; 10 samples over 10 ms.
  const profile: CpuProfile = {
    nodes: [
      { id: 1, callFrame: { functionName: '(root)', url: '', lineNumber: -1 } },
      { id: 2, callFrame: { functionName: 'main', url: 'file:///work/main/dist/apps/feature/main.js', lineNumber: 9 } },
      { id: 3, callFrame: { functionName: 'hot', url: 'file:///work/main/node_modules/kafkajs/src/x.js', lineNumber: 0 } },
      { id: 4, callFrame: { functionName: '', url: 'node:internal/buffer', lineNumber: 4 } },
      { id: 5, callFrame: { functionName: '(idle)', url: '', lineNumber: -1 } },
      { id: 6, callFrame: { functionName: 'hot', url: 'file:///work/main/node_modules/kafkajs/src/x.js', lineNumber: 0 } },
    ],
    startTime: 0,
    endTime: 10_000,
    samples: [3, 3, 3, 3, 6, 6, 4, 5, 5, 5],
    timeDeltas: Array(10).fill(1000),
  };

  it('ranks functions by self samples, merges equal frames and leaves idle time out of the shares', () => {
    const spots = hotSpots(profile);
    expect(spots.map((s) => s.where)).toEqual(['hot (kafkajs/src/x.js:1)', '(anonymous) (node:internal/buffer:5)']);
    expect(spots[0].selfShare).toBeCloseTo(6 / 7, 10);
    expect(spots[1].selfShare).toBeCloseTo(1 / 7, 10);
    // 10 samples over 10 ms: 1 ms each.
    expect(spots[0].selfMs).toBeCloseTo(6, 10);
  });

  it('counts every sample but idle ones as busy', () => {
    expect(busyShare(profile)).toBeCloseTo(0.7, 10);
  });

  it('keeps only the top entries', () => {
    expect(hotSpots(profile, 1)).toHaveLength(1);
  });
});
