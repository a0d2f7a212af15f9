// Facts about the machine a result came from, recorded with every result file.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, release, totalmem } from 'node:os';

export interface MachineInfo {
  nproc: number;
  onlineCpus: number;
  cpuModel: string;
  cpuMHz: number | undefined;
  node: string;
  kernel: string;
  memGiB: number;
  loadavg: number[];
  commit: string | undefined;
}

export function machineInfo(): MachineInfo {
  let cpuModel = cpus()[0]?.model ?? 'unknown';
  let cpuMHz: number | undefined;
  try {
    const info = readFileSync('/proc/cpuinfo', 'utf8');
    cpuModel = /^model name\s*:\s*(.+)$/m.exec(info)?.[1]?.trim() ?? cpuModel;
    const mhz = /^cpu MHz\s*:\s*(.+)$/m.exec(info)?.[1];
    cpuMHz = mhz ? Math.round(Number(mhz)) : undefined;
  } catch {
    // not Linux
  }
  // Read-only: which commit the sources were at (the tree may have uncommitted edits on top).
  const rev = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' });
  return {
    nproc: availableParallelism(),
    onlineCpus: cpus().length,
    cpuModel,
    cpuMHz,
    node: process.version,
    kernel: release(),
    memGiB: Math.round(totalmem() / 2 ** 30),
    loadavg: loadavg().map((x) => Math.round(x * 100) / 100),
    commit: rev.status === 0 ? rev.stdout.trim() : undefined,
  };
}
