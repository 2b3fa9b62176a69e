// Wrapping a reply in the Relay-reply chain that matches the Relay-forward
// chain it answers (RFC 8415 section 19.3): for every layer, outermost first,
// msg-type Relay-reply, the same hop-count, link-address and peer-address,
// the Interface-ID echoed, and a Relay Message option holding the next layer.
// The writer fills in each Relay Message length when it is closed.

import { RELAY_HEADER_LEN, MSG_RELAY_REPL, OPT_RELAY_MSG, OPT_INTERFACE_ID } from "../wire/codes";
import { optLen, optData } from "../wire/options";
import { wU8, wBytes, optOpen, optClose, wOption } from "../wire/writer";
import { hopCount, hopHeader, hopInterfaceId } from "./hops";

/** Writes every layer's header and opens its Relay Message option. */
export function wrapOpen(): void {
  const n = hopCount();
  for (let i = 0; i < n; i++) {
    const h = hopHeader(i);
    wU8(MSG_RELAY_REPL);
    wBytes(h + 1, RELAY_HEADER_LEN - 1); // hop-count, link-address, peer-address
    const iid = hopInterfaceId(i);
    if (iid != 0) wOption(OPT_INTERFACE_ID, optData(iid), optLen(iid));
    optOpen(OPT_RELAY_MSG);
  }
}

/** Closes the Relay Message options opened by wrapOpen, innermost first. */
export function wrapClose(): void {
  const n = hopCount();
  for (let i = 0; i < n; i++) optClose();
}
