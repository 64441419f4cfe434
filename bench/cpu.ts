/**
 * CPU time of processes from /proc (Linux): the bench's own and workerd's, which Miniflare
 * starts as a child of this process. In clock ticks turned into milliseconds.
 */
import { readdirSync, readFileSync } from "node:fs";

const TICK_MS = 10; // USER_HZ is 100 on Linux

/** user + system CPU of a process (its finished children not included), in ms; null when it is gone. */
export function cpuMs(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the command name (which may contain spaces) start after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) * TICK_MS;
  } catch {
    return null;
  }
}

/** This process's own CPU (all its threads), in ms. */
export function selfCpuMs(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
}

/** The workerd processes this process started (Miniflare's children), by pid. */
export function workerdChildren(parent = process.pid): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const name = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (ppid === parent && name === "workerd") pids.push(Number(entry));
    } catch {
      // gone
    }
  }
  return pids;
}

/** Starts something that starts one workerd, and tells which one it is. */
export async function withWorkerdPid<T>(start: () => Promise<T>): Promise<{ value: T; pid: number | null }> {
  const before = new Set(workerdChildren());
  const value = await start();
  const pid = workerdChildren().find((p) => !before.has(p)) ?? null;
  return { value, pid };
}
