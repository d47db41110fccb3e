import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { peerReportLines } from '../../../bench/peer';
import { pairedRatios, percentile, rotation } from '../../../bench/peer-figures';
import { installPeer, permissiveChoice, refusedLicenses } from '../../../bench/peer-install';
import type { PeerMeasurement, PeerSideResult } from '../../../bench/peer-paired';
import { parseProcStat, sumTree } from '../../../bench/proc-stat';

/** A /proc/<pid>/stat line as Linux writes it (fields 1–20 and a few after), with a command name that has spaces and a parenthesis. */
function statLine(pid: number, ppid: number, ticks: { utime: number; stime: number; cutime?: number; cstime?: number }, threads = 1) {
  const { utime, stime, cutime = 0, cstime = 0 } = ticks;
  return `${pid} (node (worker) x) S ${ppid} ${pid} ${pid} 0 -1 4194304 100 0 0 0 ${utime} ${stime} ${cutime} ${cstime} 20 0 ${threads} 0 123456 1000000 2000\n`;
}

describe('/proc/<pid>/stat', () => {
  it('reads the parent, the CPU of every thread and of the reaped children, and the thread count, past a name with ") "', () => {
    expect(parseProcStat(statLine(42, 7, { utime: 150, stime: 25, cutime: 3, cstime: 1 }, 11))).toEqual({
      pid: 42,
      ppid: 7,
      cpuMicros: 1_750_000,
      reapedChildrenCpuMicros: 40_000,
      threads: 11,
    });
  });

  it('sums a tree: the root, its descendants at any depth and what they reaped, and nothing outside it', () => {
    const stats = [
      parseProcStat(statLine(10, 1, { utime: 100, stime: 0, cutime: 5, cstime: 0 }, 8)),
      parseProcStat(statLine(11, 10, { utime: 20, stime: 10 }, 2)),
      parseProcStat(statLine(12, 11, { utime: 1, stime: 1 }, 1)),
      parseProcStat(statLine(13, 1, { utime: 999, stime: 999 }, 9)),
    ];
    expect(sumTree(stats, 10)).toEqual({ cpuMicros: (105 + 30 + 2) * 10_000, processes: 3, threads: 11 });
    expect(sumTree(stats, 99)).toEqual({ cpuMicros: 0, processes: 0, threads: 0 });
  });
});

describe('the peer bench figures', () => {
  it('takes nearest-rank percentiles: values of the sample', () => {
    const latencies = Array.from({ length: 100 }, (_, index) => 100 - index);
    expect(percentile(latencies, 50)).toBe(50);
    expect(percentile(latencies, 95)).toBe(95);
    expect(percentile([7], 95)).toBe(7);
    expect(() => percentile([], 50)).toThrow(/no values/);
  });

  it('takes the median of per-round ratios, not the ratio of medians', () => {
    // Medians 600 and 500 (ratio 1.2); per round 0.5, 1.0 and 2.0, median 1.0.
    expect(pairedRatios([300, 600, 1000], [600, 600, 500])).toEqual({ median: 1, perRound: [0.5, 1, 2] });
    expect(() => pairedRatios([1, 2], [1])).toThrow(/as many rounds/);
  });

  it('rotates the order of the sides each round', () => {
    const sides = ['local', 'worker', 'in-process'];
    expect([0, 1, 2, 3].map((round) => rotation(sides, round)[0])).toEqual(['local', 'worker', 'in-process', 'local']);
    expect(rotation(sides, 1)).toEqual(['worker', 'in-process', 'local']);
  });
});

describe("the peer's licenses", () => {
  it('refuses GPL and AGPL unless the expression offers another choice; LGPL and permissive ones pass', () => {
    expect(permissiveChoice('MIT')).toBe(true);
    expect(permissiveChoice('(MIT OR GPL-3.0-or-later)')).toBe(true);
    expect(permissiveChoice('LGPL-3.0')).toBe(true);
    expect(permissiveChoice('GPL-2.0')).toBe(false);
    expect(permissiveChoice('AGPL-3.0-only')).toBe(false);
    expect(permissiveChoice('(MIT AND GPL-3.0)')).toBe(false);
    expect(
      refusedLicenses([
        { name: 'jszip', license: '(MIT OR GPL-3.0-or-later)' },
        { name: 'copyleft', license: 'GPL-3.0' },
      ]),
    ).toEqual([{ name: 'copyleft', license: 'GPL-3.0' }]);
  });
});

function side(name: PeerSideResult['side'], cpu: number, p50: number): PeerSideResult {
  return {
    side: name,
    warm: {
      invocationsPerSecond: 1000,
      cpuMicrosPerInvocation: cpu,
      mainThreadCpuMicrosPerInvocation: cpu / 2,
      clientCpuMicrosPerInvocation: 300,
      processes: 1,
      threads: 10,
      failures: 0,
      batches: [],
    },
    cold: { invocationsPerSecond: 300, p50Ms: p50, p95Ms: 2 * p50, cpuMicrosPerInvocation: 2 * cpu, failures: 0, runs: [] },
  };
}

describe("the peer's section of the report", () => {
  it('says why the peer was not measured when it could not be installed', () => {
    const lines = peerReportLines({ unavailable: 'the npm registry is unreachable from here' }).join('\n');
    expect(lines).toContain('## 8. The peer');
    expect(lines).toMatch(
      /Not measured: serverless@3\.40\.0 and serverless-offline@13\.10\.1 could not run here: the npm registry is unreachable/,
    );
    expect(peerReportLines(undefined).join('\n')).toContain('Not measured in this run.');
  });

  it("gives a row per emulator and judges issue 20's criteria by the medians of per-round ratios", () => {
    const ratio = (median: number) => ({ median, perRound: [median] });
    const result: PeerMeasurement = {
      versions: { serverless: '3.40.0', 'serverless-offline': '13.10.1' },
      installedThisRun: false,
      node: '/node',
      rounds: 1,
      batch: 1500,
      concurrency: 32,
      coldInvocations: 1000,
      coldConcurrency: 100,
      coldRounds: 1,
      sides: [side('local', 650, 150), side('worker', 900, 100), side('in-process', 450, 90)],
      ratios: {
        warmCpuLocalToInProcess: ratio(1.44),
        warmCpuLocalToWorker: ratio(0.72),
        warmRateLocalToInProcess: ratio(0.9),
        warmRateLocalToWorker: ratio(1.1),
        coldP50LocalToWorker: ratio(0.98),
        coldP50LocalToInProcess: ratio(1.5),
      },
      loadAverage: { start: 1.5, end: 2 },
    };
    const lines = peerReportLines(result);
    expect(lines.filter((line) => line.startsWith('| local cloud') || line.startsWith('| serverless-offline'))).toHaveLength(3);
    expect(lines.find((line) => line.includes('÷ serverless-offline in-process ≤ 1.0'))).toMatch(/1\.44 .*\*\*not met\*\*/);
    expect(lines.find((line) => line.includes('local cold p50 ÷ serverless-offline'))).toMatch(/0\.98 .*\*\*met\*\*/);
    expect(lines.join('\n')).not.toContain('Failed invocations');

    const inProcess = side('in-process', 450, 90);
    const batch = {
      failures: 8,
      firstFailure: 'TimeoutError: read ECONNRESET',
      invocationsPerSecond: 300,
      cpuMicrosPerInvocation: 450,
      mainThreadCpuMicrosPerInvocation: 400,
      clientCpuMicrosPerInvocation: 300,
    };
    const withFailures = {
      ...result,
      sides: [side('local', 650, 150), { ...inProcess, warm: { ...inProcess.warm, failures: 8, batches: [batch] } }],
    };
    expect(peerReportLines(withFailures).join('\n')).toContain(
      'Failed invocations (counted, not retried; the figures are of the rest): in-process 8 warm, 0 cold; the first: TimeoutError: read ECONNRESET.',
    );
  });
});

describe("the peer's cache folder", () => {
  it('is refused when others may write or read it, before npm runs', async () => {
    const scratch = mkdtempSync(path.join(tmpdir(), 'peer-folder-'));
    try {
      chmodSync(scratch, 0o755);
      const lines: string[] = [];
      const result = await installPeer((line) => lines.push(line), { directory: scratch });
      expect(result).toEqual({ unavailable: expect.stringMatching(/is not a folder of this user's with mode 0700/) });
      expect(lines).toEqual([]);
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  });
});
