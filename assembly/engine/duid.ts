// The server's DUID (RFC 8415 section 11): the configured one, or, as the
// reference server does, a DUID-LL (section 11.4) from the MAC of the
// interface the request arrived on.

import { MAX_IFACES } from "../abi";
import { DUID_LL, HWTYPE_ETHERNET, DUID_MAX_LEN } from "../wire/codes";
import { st16, bytesEqual } from "../wire/bytes";
import { cfgDuid, cfgDuidLen } from "./config";
import { ifaceHasMac, ifaceMac } from "./iface";

const DUID_LL_LEN: u32 = 10; // type, hardware type, 6-byte MAC
const buf: usize = memory.data(<i32>DUID_MAX_LEN, 8);
let len: u32 = 0;

/** Selects the server DUID used on `slot`; read it with duidPtr/duidLen. */
export function duidFor(slot: u32): void {
  const n = cfgDuidLen();
  if (n != 0) {
    memory.copy(buf, cfgDuid(), n);
    len = n;
    return;
  }
  // An interface without a MAC (PPP, tunnels) borrows the first MAC we know.
  let from = slot;
  if (!ifaceHasMac(from)) {
    from = MAX_IFACES;
    for (let s: u32 = 0; s < MAX_IFACES; s++) {
      if (ifaceHasMac(s)) {
        from = s;
        break;
      }
    }
  }
  st16(buf, DUID_LL);
  st16(buf + 2, HWTYPE_ETHERNET);
  if (from < MAX_IFACES) memory.copy(buf + 4, ifaceMac(from), 6);
  else memory.fill(buf + 4, 0, 6);
  len = DUID_LL_LEN;
}

@inline export function duidPtr(): usize {
  return buf;
}

@inline export function duidLen(): u32 {
  return len;
}

/** True when the `n` bytes at `p` are the DUID selected by duidFor. */
export function duidMatches(p: usize, n: u32): bool {
  return n == len && bytesEqual(p, buf, n);
}
