// relay/hops.ts: unwrapping Relay-forward layers, up to HOP_COUNT_LIMIT (32)
// and no further, and refusing broken layers.

import { ld8 } from "../../assembly/wire/bytes";
import * as C from "../../assembly/wire/codes";
import { wStart, wLength, wOk, wU8, wZeros, wBytes, optOpen, optClose, wOption } from "../../assembly/wire/writer";
import { unwrapRelays, hopCount, hopHeader, hopInterfaceId, hopHasSourcePort, innerMessage, innerLength, UNWRAP_OK, UNWRAP_MALFORMED, UNWRAP_HOP_LIMIT } from "../../assembly/relay/hops";
import { SCRATCH, ptr, put, hex } from "./helpers";
import * as V from "./vectors";

/** Writes `layers` Relay-forwards around vector `inner` at SCRATCH, the
 *  outermost first; hop-counts as relays set them (outermost highest) unless
 *  `hop` is given. Returns the length. */
function nest(layers: i32, inner: StaticArray<u8>, hop: i32 = -1): u32 {
  wStart(SCRATCH, 0x20000);
  for (let i = 0; i < layers; i++) {
    wU8(C.MSG_RELAY_FORW);
    wU8(hop >= 0 ? hop : layers - 1 - i); // hop-count
    wZeros(16); // link-address
    wZeros(16); // peer-address
    optOpen(C.OPT_RELAY_MSG);
  }
  wBytes(ptr(inner), inner.length);
  for (let i = 0; i < layers; i++) optClose();
  expect(wOk()).toBe(true);
  return wLength();
}

describe("unwrapRelays", () => {
  it("unwraps the captured Relay-forward from dhcrelay", () => {
    const m = ptr(V.RELAY_FORW_SOLICIT);
    expect(unwrapRelays(m, V.RELAY_FORW_SOLICIT.length)).toBe(UNWRAP_OK);
    expect(hopCount()).toBe(1);
    expect(hopHeader(0)).toBe(m);
    expect(hopInterfaceId(0)).toBe(0, "dhcrelay adds no Interface-ID");
    expect(hopHasSourcePort(0)).toBe(false);
    expect(innerMessage()).toBe(m + 38);
    expect(innerLength()).toBe(72);
    expect(ld8(innerMessage())).toBe(C.MSG_SOLICIT);
  });

  it("a client message is its own inner message (no layers)", () => {
    expect(unwrapRelays(ptr(V.INFOREQ), V.INFOREQ.length)).toBe(UNWRAP_OK);
    expect(hopCount()).toBe(0);
    expect(innerMessage()).toBe(ptr(V.INFOREQ));
    expect(innerLength()).toBe(V.INFOREQ.length);
  });

  it("accepts 32 nested Relay-forwards (hop-counts 31..0)", () => {
    const len = nest(32, V.INFOREQ);
    expect(len).toBe(32 * 38 + V.INFOREQ.length);
    expect(unwrapRelays(SCRATCH, len)).toBe(UNWRAP_OK);
    expect(hopCount()).toBe(32);
    expect(hopHeader(31)).toBe(SCRATCH + 31 * 38);
    expect(innerLength()).toBe(V.INFOREQ.length);
    expect(hex(innerMessage(), innerLength())).toBe(hex(ptr(V.INFOREQ), V.INFOREQ.length));
  });

  it("refuses 33 nested Relay-forwards (the outermost hop-count is 32)", () => {
    const len = nest(33, V.INFOREQ);
    expect(unwrapRelays(SCRATCH, len)).toBe(UNWRAP_HOP_LIMIT);
  });

  it("refuses 33 nested Relay-forwards even when every hop-count says 0", () => {
    const len = nest(33, V.INFOREQ, 0);
    expect(unwrapRelays(SCRATCH, len)).toBe(UNWRAP_HOP_LIMIT);
    const ok = nest(32, V.INFOREQ, 0);
    expect(unwrapRelays(SCRATCH, ok)).toBe(UNWRAP_OK);
  });

  it("refuses a single layer whose hop-count is 32", () => {
    const len = nest(1, V.INFOREQ, 32);
    expect(unwrapRelays(SCRATCH, len)).toBe(UNWRAP_HOP_LIMIT);
  });

  it("refuses a Relay-forward header cut short", () => {
    const n = put(V.RELAY_FORW_SOLICIT, SCRATCH);
    expect(unwrapRelays(SCRATCH, 33)).toBe(UNWRAP_MALFORMED);
    expect(unwrapRelays(SCRATCH, 1)).toBe(UNWRAP_MALFORMED);
    expect(unwrapRelays(SCRATCH, n)).toBe(UNWRAP_OK);
  });

  it("refuses a Relay-forward whose Relay Message overruns, or is missing, or empty", () => {
    const n = put(V.RELAY_FORW_SOLICIT, SCRATCH);
    expect(unwrapRelays(SCRATCH, n - 1)).toBe(UNWRAP_MALFORMED, "Relay Message one byte past the end");
    expect(unwrapRelays(SCRATCH, 34)).toBe(UNWRAP_MALFORMED, "no options at all");
    store<u8>(SCRATCH + 35, C.OPT_INTERFACE_ID); // the option is now an Interface-ID
    expect(unwrapRelays(SCRATCH, n)).toBe(UNWRAP_MALFORMED, "no Relay Message");

    wStart(SCRATCH, 64);
    wU8(C.MSG_RELAY_FORW);
    wZeros(33);
    wOption(C.OPT_RELAY_MSG, 0, 0);
    expect(unwrapRelays(SCRATCH, wLength())).toBe(UNWRAP_MALFORMED, "empty Relay Message");
  });

  it("refuses two Relay Message options in one layer and records the Interface-ID", () => {
    wStart(SCRATCH, 512);
    wU8(C.MSG_RELAY_FORW);
    wZeros(33);
    wOption(C.OPT_INTERFACE_ID, ptr(V.INFOREQ), 4);
    wOption(C.OPT_RELAY_MSG, ptr(V.INFOREQ), V.INFOREQ.length);
    const single = wLength();
    wOption(C.OPT_RELAY_MSG, ptr(V.INFOREQ), V.INFOREQ.length);
    expect(unwrapRelays(SCRATCH, wLength())).toBe(UNWRAP_MALFORMED);
    expect(unwrapRelays(SCRATCH, single)).toBe(UNWRAP_OK);
    expect(hopInterfaceId(0)).toBe(SCRATCH + 34);
  });
});
