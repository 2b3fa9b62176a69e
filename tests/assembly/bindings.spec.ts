// engine/bindings.ts: the id and position indexes (open addressing with hash
// tags and backward-shift deletion) keep finding every live record through
// creates, frees, declines and a growth of the table, with the table as full
// as it gets (every record taken, the indexes at their highest load).

import * as B from "../../assembly/engine/bindings";
import { SCRATCH } from "./helpers";

const CAP: u32 = 1000;
const IA_NA: u32 = 3;
const IA_PD: u32 = 25;

/** Writes client `c`'s DUID (DUID-LL, 10 bytes) at `at`; returns its length. */
function duidOf(c: u32, at: usize): u32 {
  store<u32>(at, 0x01000300); // type 3, hardware type 1
  store<u16>(at + 4, 0x000a);
  store<u32>(at + 6, bswap<u32>(c));
  return 10;
}

/** The record of (client c, IA type) or -1, through bFind. */
function find(c: u32, type: u32): i32 {
  const n = duidOf(c, SCRATCH);
  return B.bFind(0, type, c & 7, SCRATCH, n, B.duidHash(SCRATCH, n));
}

let nextPosition: u64 = 0x100;
const positionOf = new StaticArray<u64>(<i32>CAP); // client -> position of its IA_NA

function create(c: u32, type: u32): i32 {
  const n = duidOf(c, SCRATCH);
  const i = B.bCreate(0, type, c & 7, SCRATCH, n, B.duidHash(SCRATCH, n));
  if (i < 0) return i;
  B.bBind(<u32>i);
  if (type == IA_NA) {
    // Positions close together (as hashes of neighbours may be) and unique.
    nextPosition += 1 + (nextPosition & 3);
    positionOf[c] = nextPosition;
    store<u64>(B.rec(<u32>i) + B.B_POSITION, nextPosition);
    B.bIndexPosition(<u32>i);
  }
  return i;
}

/** bReserve, then the test runtime's allocator is moved past the table (it
 *  takes any page below memory.size(); the core itself never allocates). */
function reserve(cap: u32): bool {
  if (!B.bReserve(cap)) return false;
  const p = heap.alloc(16);
  heap.alloc((<usize>memory.size() << 16) - p - 64);
  return true;
}

/** Pseudo-random, fixed order. */
let seed: u32 = 0x9e3779b9;
function rnd(n: u32): u32 {
  seed ^= seed << 13;
  seed ^= seed >> 17;
  seed ^= seed << 5;
  return seed % n;
}

const live = new StaticArray<i32>(<i32>CAP); // client -> record of its IA_NA (clients 0 .. CAP/2), -1 = none
const livePd = new StaticArray<i32>(<i32>CAP);

function checkAll(clients: u32): void {
  for (let c: u32 = 0; c < clients; c++) {
    // (one expectation per mismatch: an expectation allocates)
    if (find(c, IA_NA) != live[c]) expect(find(c, IA_NA)).toBe(live[c], "IA_NA of client " + c.toString());
    if (find(c, IA_PD) != livePd[c]) expect(find(c, IA_PD)).toBe(livePd[c], "IA_PD of client " + c.toString());
    if (live[c] >= 0 && B.bFindPosition(0, positionOf[c]) != live[c]) {
      expect(B.bFindPosition(0, positionOf[c])).toBe(live[c], "position of client " + c.toString());
    }
  }
}

describe("binding id index", () => {
  test("every record is found through churn at full load", () => {
    expect(reserve(CAP)).toBe(true);
    const clients = CAP / 2;
    for (let c: u32 = 0; c < clients; c++) {
      live[c] = create(c, IA_NA);
      livePd[c] = create(c, IA_PD);
      expect(live[c]).toBeGreaterThanOrEqual(0);
      expect(livePd[c]).toBeGreaterThanOrEqual(0);
    }
    expect(B.bFull()).toBe(true);
    checkAll(clients);
    // Rounds of frees and re-creates in random order: every deletion shifts
    // entries back inside clusters, and every lookup must still end right.
    for (let round = 0; round < 20; round++) {
      for (let k = 0; k < 150; k++) {
        const c = rnd(clients);
        if (live[c] >= 0 && rnd(2) == 0) {
          B.bFree(<u32>live[c]);
          live[c] = -1;
          expect(B.bFindPosition(0, positionOf[c])).toBe(-1, "freed position");
        } else if (livePd[c] >= 0) {
          B.bFree(<u32>livePd[c]);
          livePd[c] = -1;
        }
      }
      checkAll(clients);
      for (let c: u32 = 0; c < clients; c++) {
        if (live[c] < 0) live[c] = create(c, IA_NA);
        if (livePd[c] < 0) livePd[c] = create(c, IA_PD);
      }
      checkAll(clients);
    }
    expect(B.bUsed()).toBe(CAP);
  });

  test("a declined record is no longer found, and its client gets a new one", () => {
    const clients = CAP / 2;
    for (let c: u32 = 0; c < clients; c += 7) {
      const i = live[c];
      B.bDecline(<u32>i, 100);
      live[c] = -1;
      expect(B.bFindPosition(0, positionOf[c])).toBe(i, "a declined address stays taken");
    }
    checkAll(clients);
    for (let c: u32 = 0; c < clients; c += 7) {
      B.bFree(<u32>livePd[c]); // room for the new IA_NA
      livePd[c] = -1;
      live[c] = create(c, IA_NA);
      expect(live[c]).toBeGreaterThanOrEqual(0);
    }
    checkAll(clients);
  });

  test("a larger table keeps every record under its id", () => {
    expect(reserve(CAP * 3)).toBe(true);
    checkAll(CAP / 2);
    for (let c: u32 = CAP / 2; c < CAP; c++) {
      live[c] = create(c, IA_NA);
      livePd[c] = create(c, IA_PD);
    }
    checkAll(CAP);
  });
});
