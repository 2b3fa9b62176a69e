// Rate limits: a token bucket per interface and, per interface, a fixed table
// of buckets keyed by a keyed hash of the client (its DUID, or the source
// address when it sent none). Buckets refill by the configured rate each host
// second and hold twice that (a burst). Clients that share a bucket (a hash
// collision in a flood) share its tokens; nothing is allocated.

import * as A from "../abi";
import { sipHash } from "./siphash";
import { cfgRateIface, cfgRateClient } from "./config";

const CLIENT_BUCKETS: u32 = 4096; // per interface, a power of two
const BUCKET: usize = 12; // u32 key, u32 tokens, u32 last refill
const BURST_FACTOR: u32 = 2;

const ifaceTokens = new StaticArray<u32>(<i32>A.MAX_IFACES);
const ifaceLast = new StaticArray<u32>(<i32>A.MAX_IFACES);
const clients: usize = memory.data(<i32>(A.MAX_IFACES * CLIENT_BUCKETS * <u32>BUCKET), 8);

@inline function take(tokens: u32, last: u32, now: u32, rate: u32): u32 {
  // Returns the tokens after refilling up to `now`, before taking one.
  const cap = rate * BURST_FACTOR;
  if (now > last) {
    const add = <u64>(now - last) * <u64>rate;
    return <u64>tokens + add >= <u64>cap ? cap : tokens + <u32>add;
  }
  return tokens;
}

/** True when the interface may take one more message at `now`. */
export function ifaceAllows(slot: u32, now: u32): bool {
  const rate = cfgRateIface(slot);
  if (rate == 0) return true;
  let t = take(unchecked(ifaceTokens[slot]), unchecked(ifaceLast[slot]), now, rate);
  unchecked((ifaceLast[slot] = now));
  if (t == 0) {
    unchecked((ifaceTokens[slot] = 0));
    return false;
  }
  unchecked((ifaceTokens[slot] = t - 1));
  return true;
}

/** True when the client identified by `len` bytes at `id` may send one more
 *  message on `slot` at `now`. */
export function clientAllows(slot: u32, id: usize, len: u32, now: u32): bool {
  if (cfgRateClient(slot) == 0) return true;
  return clientAllowsHash(slot, sipHash(id, len, 0x7261746500000000), now);
}

/** Like clientAllows, for a client already hashed with a keyed hash. */
export function clientAllowsHash(slot: u32, hash: u64, now: u32): bool {
  const rate = cfgRateClient(slot);
  if (rate == 0) return true;
  let h = hash ^ (<u64>slot * 0x9e3779b97f4a7c15);
  h ^= h >> 29;
  const key = <u32>(h >> 32) | 1; // never 0: 0 marks an unused bucket
  const b = clients + (<usize>slot * CLIENT_BUCKETS + <usize>(<u32>h & (CLIENT_BUCKETS - 1))) * BUCKET;
  let tokens: u32;
  if (load<u32>(b) != key) {
    store<u32>(b, key); // a new client (or a collision): a full bucket
    tokens = rate * BURST_FACTOR;
  } else {
    tokens = take(load<u32>(b, 4), load<u32>(b, 8), now, rate);
  }
  store<u32>(b, now, 8);
  if (tokens == 0) {
    store<u32>(b, 0, 4);
    return false;
  }
  store<u32>(b, tokens - 1, 4);
  return true;
}
