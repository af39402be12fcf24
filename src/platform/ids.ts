import { randomFillSync } from 'node:crypto';
import { v7 } from 'uuid';

/**
 * Random bytes for ids, drawn from the CSPRNG 4 KiB at a time: uuid's own source asks WebCrypto
 * for 16 bytes per id, which cost about a fifth of a `/healthz` answer (its request id) in a CPU
 * profile. Each id still gets 16 fresh bytes of its own.
 */
const POOL = new Uint8Array(16 * 256);
let used = POOL.length;
function random16(): Uint8Array {
  if (used === POOL.length) {
    randomFillSync(POOL);
    used = 0;
  }
  used += 16;
  return POOL.subarray(used - 16, used);
}

/** uuid's monotonic v7 state, kept here because ids pass their own random bytes. */
const state = { msecs: Number.NEGATIVE_INFINITY, seq: 0 };

/** Exposed ids are UUIDv7: time-ordered for index locality, not guessable like a sequence. */
export const newId = (): string => {
  const random = random16();
  const now = Date.now();
  if (now > state.msecs) {
    // A new millisecond starts its counter at a random value (uuid's v7Sequence).
    state.seq = ((random[6]! & 0x7f) << 24) | (random[7]! << 16) | (random[8]! << 8) | random[9]!;
    state.msecs = now;
  } else {
    // Within a millisecond (or if the clock went back) count on, so ids stay in order.
    state.seq = (state.seq + 1) | 0;
    if (state.seq === 0) state.msecs++;
  }
  return v7({ random, msecs: state.msecs, seq: state.seq });
};

export const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
