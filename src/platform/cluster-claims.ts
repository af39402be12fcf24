import fs from 'node:fs/promises';
import path from 'node:path';

/**
 * Who uses an embedded PostgreSQL cluster. Every techex process that uses the cluster under a
 * DATA_DIR (the service, and any command an operator runs beside it) leaves a claim file named
 * after its process; a cluster whose claimants are all gone is an orphan of a killed process.
 * Decisions to start, attach to or stop the cluster are taken under one lock file, so two
 * commands at once, or a command during the service's start-up, see a consistent picture.
 */

/** A process, told apart from a later one that reuses its pid by its start time (Linux). */
export interface ProcessRef {
  pid: number;
  startedAt: string;
}

async function processStartTime(pid: number): Promise<string> {
  // Field 22 of /proc/<pid>/stat, after the command name (which may contain spaces and ')').
  const stat = await fs.readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
  if (!stat) return '';
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? '';
}

export async function currentProcess(): Promise<ProcessRef> {
  return { pid: process.pid, startedAt: await processStartTime(process.pid) };
}

export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to another user.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export async function processAlive(ref: ProcessRef): Promise<boolean> {
  if (!ref.pid || !pidAlive(ref.pid)) return false;
  if (!ref.startedAt) return true;
  const now = await processStartTime(ref.pid);
  return now === '' || now === ref.startedAt;
}

function parseRef(text: string | undefined): ProcessRef | undefined {
  if (!text) return undefined;
  try {
    const v = JSON.parse(text) as Partial<ProcessRef>;
    if (typeof v.pid === 'number' && v.pid > 0) return { pid: v.pid, startedAt: String(v.startedAt ?? '') };
  } catch {
    // A half-written file: treated as no holder; its writer retries.
  }
  return undefined;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Create `file` holding `body` unless it exists, in one step: the body is written to a file of
 * our own first and then linked into place, so another process never sees the lock empty (and,
 * taking it for a holder that died half-way, removes it while we hold it).
 */
async function createFilled(file: string, body: string): Promise<boolean> {
  const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}`;
  await fs.writeFile(tmp, body, { mode: 0o644 });
  try {
    await fs.link(tmp, file);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    return false;
  } finally {
    await fs.rm(tmp, { force: true });
  }
}

/**
 * Hold the cluster's lock while `fn` runs. The lock is a file created exclusively and naming its
 * holder; a holder that died (kill -9 in the middle of a start) is detected by its process, not
 * by a timeout, so a restart after a crash does not wait.
 */
export async function withClusterLock<T>(
  lockFile: string,
  fn: () => Promise<T>,
  opts: { timeoutMs?: number; onWait?: (holder: ProcessRef) => void } = {},
): Promise<T> {
  const me = await currentProcess();
  const body = JSON.stringify(me);
  const deadline = Date.now() + (opts.timeoutMs ?? 120_000);
  let told = false;
  for (;;) {
    if (await createFilled(lockFile, body)) break;
    const text = await fs.readFile(lockFile, 'utf8').catch(() => undefined);
    const holder = parseRef(text);
    if (text !== undefined && (!holder || !(await processAlive(holder)))) {
      // A lock naming nobody (cut short by a crash, or an older writer still filling it in).
      if (!holder) await sleep(50);
      const again = await fs.readFile(lockFile, 'utf8').catch(() => undefined);
      if (again === text) await fs.rm(lockFile, { force: true });
      continue;
    }
    if (holder && !told) {
      opts.onWait?.(holder);
      told = true;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `timed out waiting for the embedded PostgreSQL lock ${lockFile} held by pid ${holder?.pid}`,
      );
    }
    await sleep(50);
  }
  try {
    return await fn();
  } finally {
    const text = await fs.readFile(lockFile, 'utf8').catch(() => undefined);
    if (text === body) await fs.rm(lockFile, { force: true });
  }
}

/** The claims folder: one file per live process using the cluster. Call under the lock. */
export class ClusterClaims {
  constructor(readonly dir: string) {}

  private file(ref: ProcessRef): string {
    return path.join(this.dir, String(ref.pid));
  }

  async add(ref: ProcessRef, role: string): Promise<void> {
    await fs.mkdir(this.dir, { recursive: true, mode: 0o755 });
    await fs.writeFile(this.file(ref), JSON.stringify({ ...ref, role, since: new Date().toISOString() }));
  }

  async remove(ref: ProcessRef): Promise<void> {
    await fs.rm(this.file(ref), { force: true });
  }

  /** The live claimants; claims of processes that are gone are removed. */
  async live(): Promise<ProcessRef[]> {
    const names = await fs.readdir(this.dir).catch(() => [] as string[]);
    const out: ProcessRef[] = [];
    for (const name of names) {
      const file = path.join(this.dir, name);
      const ref = parseRef(await fs.readFile(file, 'utf8').catch(() => undefined));
      if (ref && (await processAlive(ref))) out.push(ref);
      else await fs.rm(file, { force: true });
    }
    return out;
  }
}
