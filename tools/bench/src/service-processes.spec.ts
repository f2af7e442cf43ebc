import { cpuPerRequest, findSystemProcesses, portOf, type ServiceProcess } from './service-processes';

const proc = (pid: number, service: string, port: number, env: Record<string, string> = {}): ServiceProcess => ({ pid, service, port, env });

describe('findSystemProcesses', () => {
  it('finds the orchestrator on its port and the services its environment names, ignoring another system', () => {
    const processes = [
      proc(10, 'orchestrator', 50051),
      proc(11, 'recall', 50052),
      proc(12, 'feature', 50053),
      proc(13, 'ranking', 50054),
      proc(14, 'reranking', 50055),
      proc(20, 'orchestrator', 51051, { RECALL_ADDR: '127.0.0.1:51052', FEATURE_ADDR: '127.0.0.1:51053', RANKING_ADDR: '[::1]:51054', RERANKING_ADDR: 'localhost:51055' }),
      proc(21, 'recall', 51052),
      proc(22, 'feature', 51053),
      proc(23, 'ranking', 51054),
      proc(24, 'reranking', 51055),
    ];
    expect(findSystemProcesses(51051, processes)).toEqual({ pids: { orchestrator: 20, recall: 21, feature: 22, ranking: 23, reranking: 24 }, missing: [] });
    // Unset addresses mean the default ports.
    expect(findSystemProcesses(50051, processes).pids).toEqual({ orchestrator: 10, recall: 11, feature: 12, ranking: 13, reranking: 14 });
  });

  it('names what it cannot find', () => {
    expect(findSystemProcesses(50051, [proc(10, 'orchestrator', 50051), proc(12, 'feature', 50053)])).toEqual({
      pids: { orchestrator: 10, feature: 12 },
      missing: ['recall', 'ranking', 'reranking'],
    });
    expect(findSystemProcesses(50051, []).missing).toHaveLength(5);
  });

  it('reads ports of addresses', () => {
    expect(portOf('127.0.0.1:50052')).toBe(50052);
    expect(portOf('[::1]:7')).toBe(7);
    expect(portOf('localhost')).toBeUndefined();
  });
});

describe('cpuPerRequest', () => {
  it('subtracts the idle rate over the load window and divides by requests', () => {
    // Idle: feature burns 0.5 s in 10 s (50 ms/s); load: 20 s, 100 requests.
    const idle = { before: { feature: 1, ranking: 0 }, after: { feature: 1.5, ranking: 0 }, seconds: 10 };
    const load = { before: { feature: 2, ranking: 0 }, after: { feature: 5, ranking: 0.4 }, seconds: 20 };
    const out = cpuPerRequest(idle, load, 100);
    expect(out.feature.rawMs).toBeCloseTo(30, 10);
    expect(out.feature.idleMsPerSecond).toBeCloseTo(50, 10);
    expect(out.feature.netMs).toBeCloseTo(20, 10); // (3 − 0.05 × 20) / 100 s
    expect(out.ranking).toEqual({ rawMs: 4, idleMsPerSecond: 0, netMs: 4 });
  });

  it('never goes below zero and skips processes that vanished', () => {
    const idle = { before: { a: 0, b: 0 }, after: { a: 10, b: 1 }, seconds: 1 };
    const load = { before: { a: 10, b: 1 }, after: { a: 11, b: undefined }, seconds: 1 };
    expect(cpuPerRequest(idle, load, 10)).toEqual({ a: { rawMs: 100, idleMsPerSecond: 10_000, netMs: 0 } });
  });
});
