import { performance } from 'node:perf_hooks';

/**
 * Where start-up spends its time, phase by phase, logged once when the service is up (the
 * restart bench reads it, and an operator sees why a restart was slow). `imports` is the time
 * from the process's start to the runtime's first line: loading (and, without a build,
 * transpiling) the code.
 */
export interface StartupPhases {
  /** Close the current phase under this name. */
  mark(name: string): void;
  /** Milliseconds per phase, in order, and the total since the process started. */
  summary(): { phases: Record<string, number>; totalMs: number };
}

export function startupPhases(): StartupPhases {
  const phases: Record<string, number> = { imports: Math.round(performance.now()) };
  let last = performance.now();
  return {
    mark(name) {
      const now = performance.now();
      phases[name] = Math.round((phases[name] ?? 0) + now - last);
      last = now;
    },
    summary: () => ({ phases: { ...phases }, totalMs: Math.round(performance.now()) }),
  };
}
