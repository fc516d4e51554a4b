/**
 * CPU accounting of `npm run bench:mllp`, so a row can say how much of the machine went to the servers
 * it measures and how much to everything else (other load skews loopback figures on a 2-core machine).
 * Linux only; elsewhere the database share reads 0.
 */
import { readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';

/** Clock ticks per second of /proc/<pid>/stat (`getconf CLK_TCK`, 100 on Linux). */
const TICKS_PER_S = 100;

/**
 * Idle time of the whole machine so far (idle + iowait of all CPUs), in ms, from /proc/stat. Busy time is
 * derived from it (capacity − idle), which also counts softirq and steal; falls back to `os.cpus()`.
 */
function machineIdleMs(): number {
  try {
    const f = (readFileSync('/proc/stat', 'latin1').split('\n')[0] ?? '').trim().split(/\s+/).slice(1).map(Number);
    return (((f[3] ?? 0) + (f[4] ?? 0)) * 1000) / TICKS_PER_S;
  } catch {
    return os.cpus().reduce((sum, c) => sum + c.times.idle, 0);
  }
}

/**
 * CPU time (user + system, ms) used so far by each live process with one of `names` as command name: by
 * default the PostgreSQL and Redis servers.
 */
function serverCpuMs(names: readonly string[] = ['postgres', 'redis-server']): Map<string, number> {
  const out = new Map<string, number>();
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((p) => /^\d+$/.test(p));
  } catch {
    return out;
  }
  for (const pid of pids) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    } catch {
      continue; // exited meanwhile
    }
    const open = stat.indexOf('(');
    const close = stat.lastIndexOf(')');
    if (!names.includes(stat.slice(open + 1, close))) continue;
    // Fields after the command: state is field 3, utime 14, stime 15 (proc(5)).
    const f = stat.slice(close + 2).split(' ');
    out.set(pid, ((Number(f[11] ?? 0) + Number(f[12] ?? 0)) * 1000) / TICKS_PER_S);
  }
  return out;
}

/** CPU used between two readings: processes started meanwhile count whole, those that exited drop out. */
function delta(before: Map<string, number>, after: Map<string, number>): number {
  let ms = 0;
  for (const [pid, used] of after) ms += Math.max(0, used - (before.get(pid) ?? 0));
  return ms;
}

/** Shares of all CPUs of the machine during an interval. */
export interface CpuShares { all: number; node: number; servers: number; other: number }

/** Starts an interval; the returned function ends it. */
export function cpuMeter(): () => CpuShares {
  const servers0 = serverCpuMs();
  const idle0 = machineIdleMs();
  const node0 = process.cpuUsage();
  const t0 = performance.now();
  return () => {
    const capacity = (performance.now() - t0) * os.cpus().length;
    const node = process.cpuUsage(node0);
    const all = Math.min(1, Math.max(0, 1 - (machineIdleMs() - idle0) / capacity));
    const own = (node.user + node.system) / 1000 / capacity;
    const servers = delta(servers0, serverCpuMs()) / capacity;
    return { all, node: own, servers, other: Math.max(0, all - own - servers) };
  };
}
