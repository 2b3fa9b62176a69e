// Building replies into TX. Every reply starts inside the Relay-reply chain
// (if the request was relayed), carries the server's and the client's
// identifiers, and ends by closing that chain.

import { TX, TX_SIZE } from "../abi";
import * as C from "../wire/codes";
import { wStart, wU8, wU16, wU24, wBytes, wOption, wOptionU32, optOpen, optClose, wOk, wLength } from "../wire/writer";
import { wrapOpen, wrapClose } from "../relay/wrap";
import * as R from "./request";
import { duidPtr, duidLen } from "./duid";
import { ifaceLinkLocal } from "./iface";
import * as Cfg from "./config";
import { processIas, confirmStatus, iasServed, IA_OFFER, IA_BIND } from "./ia";
import { reconfigureWanted, chooseKey, forgetKey, writeReconfAccept, writeKeyDelivery } from "./reconfigure";

/** Starts a reply of `type`: relay layers, header, Server ID, Client ID. */
export function replyOpen(type: u32): void {
  wStart(TX, TX_SIZE);
  wrapOpen();
  wU8(type);
  wU24(R.xid);
  wOption(C.OPT_SERVERID, duidPtr(), duidLen());
  if (R.clientId != 0) wOption(C.OPT_CLIENTID, R.clientId, R.clientIdLen);
}

/** Closes the relay layers. Returns the reply length, or 0 when it did not fit. */
export function replyClose(): u32 {
  wrapClose();
  return wOk() ? wLength() : 0;
}

/** A Status Code option (RFC 8415 section 21.13) with an empty message. */
export function writeStatus(code: u32): void {
  optOpen(C.OPT_STATUS_CODE);
  wU16(code);
  optClose();
}

/** Appends a configured, pre-encoded option blob when it is not empty. */
function writeBlob(slot: u32, kind: i32): void {
  const n = Cfg.cfgBlobLen(slot, kind);
  if (n != 0) wBytes(Cfg.cfgBlob(slot, kind), n);
}

/** The configuration options a client may ask for with its ORO (RFC 8415
 *  section 21.7). DNS (23) and the domain list (24) are also sent to a client
 *  that sent no ORO at all, as the reference server always sent them. */
export function writeRequestedOptions(slot: u32): void {
  const noOro = R.oro == 0;
  if (noOro || R.requested(C.OPT_DNS_SERVERS)) {
    if (Cfg.cfgBlobLen(slot, Cfg.BLOB_DNS) != 0) {
      writeBlob(slot, Cfg.BLOB_DNS);
    } else {
      // Nothing configured: the interface's link-local address (reference behaviour).
      const ll = ifaceLinkLocal(slot);
      if (ll != 0) wOption(C.OPT_DNS_SERVERS, ll, 16);
    }
  }
  if (noOro || R.requested(C.OPT_DOMAIN_LIST)) writeBlob(slot, Cfg.BLOB_DOMAIN);
  if (R.requested(C.OPT_NTP_SERVER)) writeBlob(slot, Cfg.BLOB_NTP);
  if (R.requested(C.OPT_SNTP_SERVERS)) writeBlob(slot, Cfg.BLOB_SNTP);
}

/** Operator-forced raw options (`dhcpv6_raw`), appended verbatim to every reply. */
export function writeRawOptions(slot: u32): void {
  writeBlob(slot, Cfg.BLOB_RAW);
}

/** SOL_MAX_RT (RFC 8415 section 21.24): only to a client that asked for it. */
function writeSolMaxRt(slot: u32): void {
  if (R.requested(C.OPT_SOL_MAX_RT)) wOptionU32(C.OPT_SOL_MAX_RT, Cfg.cfgSolMaxRt(slot));
}

/** The options after the IAs of an Advertise or Reply: Reconfigure Accept
 *  and the reconfigure key when the client asked for Reconfigure, then the
 *  configuration options. */
function writeTrailer(slot: u32, now: u32): void {
  writeReconfAccept(slot);
  if (iasServed > 0) writeKeyDelivery(now);
  forgetKey();
  writeSolMaxRt(slot);
  writeRequestedOptions(slot);
  writeRawOptions(slot);
}

/** Solicit (RFC 8415 18.3.1 and 18.3.9): Advertise, or Reply with Rapid
 *  Commit (21.14) when the client asked and the interface allows it. When
 *  the client asked for IAs and none can be served (IA_TA and IAs too short
 *  to read included), an Advertise with only NoAddrsAvail (18.3.9). */
export function replySolicit(slot: u32, now: u32): u32 {
  const rapid = R.rapidCommit && Cfg.cfgRapidCommit(slot);
  replyOpen(rapid ? C.MSG_REPLY : C.MSG_ADVERTISE);
  if (rapid) wOption(C.OPT_RAPID_COMMIT, 0, 0);
  if (rapid && reconfigureWanted(slot)) chooseKey(now);
  processIas(slot, rapid ? IA_BIND : IA_OFFER, now);
  if (R.iaCount > 0 && iasServed == 0) {
    forgetKey();
    replyOpen(C.MSG_ADVERTISE);
    writeStatus(C.STATUS_NO_ADDRS_AVAIL);
    writeSolMaxRt(slot);
    return replyClose();
  }
  writeTrailer(slot, now);
  return replyClose();
}

/** Request, Renew, Rebind (RFC 8415 18.3.2, 18.3.4, 18.3.5): Reply with every IA. */
export function replyBindings(slot: u32, mode: u32, now: u32): u32 {
  replyOpen(C.MSG_REPLY);
  // The key goes out once, in the Reply that first commits the client (20.4.2).
  if (mode == IA_BIND && reconfigureWanted(slot)) chooseKey(now);
  processIas(slot, mode, now);
  writeTrailer(slot, now);
  return replyClose();
}

/** Release and Decline (RFC 8415 18.3.7, 18.3.8): Reply with status Success
 *  and an IA with NoBinding for every IA we did not know. */
export function replyRelease(slot: u32, mode: u32, now: u32): u32 {
  replyOpen(C.MSG_REPLY);
  writeStatus(C.STATUS_SUCCESS);
  processIas(slot, mode, now);
  return replyClose();
}

/** Confirm (RFC 8415 18.3.3): Reply with Success or NotOnLink; 0 (no reply)
 *  when the client listed no address. */
export function replyConfirm(slot: u32, now: u32): u32 {
  const status = confirmStatus(slot, now);
  if (status < 0) return 0;
  replyOpen(C.MSG_REPLY);
  writeStatus(<u32>status);
  return replyClose();
}

/** Reply to Information-request (RFC 8415 section 18.3.6). */
export function replyInformation(slot: u32): u32 {
  replyOpen(C.MSG_REPLY);
  writeRequestedOptions(slot);
  // RFC 8415 section 21.23: in a Reply to Information-request only.
  wOptionU32(C.OPT_INFORMATION_REFRESH_TIME, Cfg.cfgRefresh(slot));
  // RFC 8415 section 21.25: only to a client that asked for it in its ORO.
  if (R.requested(C.OPT_INF_MAX_RT)) wOptionU32(C.OPT_INF_MAX_RT, Cfg.cfgInfMaxRt(slot));
  writeRawOptions(slot);
  return replyClose();
}

/** Reply to a Request, Renew, Release or Decline sent by unicast without our
 *  permission (RFC 8415 section 18.3.2 and following): Server ID, Client ID,
 *  status UseMulticast and nothing else. */
export function replyUseMulticast(): u32 {
  replyOpen(C.MSG_REPLY);
  writeStatus(C.STATUS_USE_MULTICAST);
  return replyClose();
}
