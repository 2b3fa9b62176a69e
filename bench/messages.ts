// DHCPv6 client messages for the in-process benchmark, built byte by byte
// (independently of the core's writer) as templates: the client is chosen by
// patching 4 bytes of the DUID in place, so a loop can address any number of
// clients without building a message per iteration.

export const MSG = { SOLICIT: 1, REQUEST: 3, RENEW: 5, RELEASE: 8, INFORMATION_REQUEST: 11, RELAY_FORW: 12 } as const;
export const OPT = { CLIENTID: 1, SERVERID: 2, IA_NA: 3, IAADDR: 5, ORO: 6, ELAPSED: 8, RELAY_MSG: 9, INTERFACE_ID: 18, IA_PD: 25, IAPREFIX: 26 } as const;

const u16 = (v: number): number[] => [(v >> 8) & 0xff, v & 0xff];
const u32 = (v: number): number[] => [(v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff];

export function opt(code: number, data: ArrayLike<number>): number[] {
  return [...u16(code), ...u16(data.length), ...Array.from(data)];
}

/** DUID-LL (type 3, hardware type 1) with MAC 0a:00:nn:nn:nn:nn, nn = the client number. */
export function clientDuid(client: number): number[] {
  return [0, 3, 0, 1, 0x0a, 0x00, ...u32(client)];
}
/** Offset of the client number inside the Client Identifier option. */
const CLIENT_NUMBER_IN_OPTION = 4 + 6;

export const IAID_NA = 1;
export const IAID_PD = 2;

export function iaNa(): number[] {
  return opt(OPT.IA_NA, [...u32(IAID_NA), ...u32(0), ...u32(0)]);
}
/** IA_PD with an IA Prefix hint of length `plen` (prefix ::): the bench asks for /64s. */
export function iaPd(plen = 64): number[] {
  return opt(OPT.IA_PD, [...u32(IAID_PD), ...u32(0), ...u32(0), ...opt(OPT.IAPREFIX, [...u32(0), ...u32(0), plen, ...new Array<number>(16).fill(0)])]);
}

/** A message template and where its client number lives. */
export interface Template {
  bytes: Uint8Array;
  /** Offset of the 4-byte client number (big-endian), or -1. */
  clientAt: number;
}

/** A client message: header, Client ID first (so the number's offset is fixed), then `rest`. */
export function clientMessage(type: number, xid: number, client: number | null, ...rest: number[][]): Template {
  const head = [type, (xid >> 16) & 0xff, (xid >> 8) & 0xff, xid & 0xff];
  const cid = client === null ? [] : opt(OPT.CLIENTID, clientDuid(client));
  return { bytes: Uint8Array.from([...head, ...cid, ...rest.flat()]), clientAt: client === null ? -1 : 4 + CLIENT_NUMBER_IN_OPTION };
}

/** Writes the client number into a message (template bytes or the core's RX) at `at`. */
export function setClient(buf: Uint8Array, at: number, client: number): void {
  buf[at] = client >>> 24;
  buf[at + 1] = (client >>> 16) & 0xff;
  buf[at + 2] = (client >>> 8) & 0xff;
  buf[at + 3] = client & 0xff;
}

export const elapsed = (): number[] => opt(OPT.ELAPSED, [0, 0]);
export const oro = (...codes: number[]): number[] => opt(OPT.ORO, codes.flatMap(u16));
export const serverIdOpt = (duid: ArrayLike<number>): number[] => opt(OPT.SERVERID, duid);

/** dhclient -6 -S's Information-request (captures/kea-dhclient-inforeq.pcapng, frame 1): the existing bench's message. */
export const INFORMATION_REQUEST = Uint8Array.from(Buffer.from("0b7b23c60001000a00030001be4ab3be836e00060008001700180027001f000800020000", "hex"));

/** Wraps `inner` in one Relay-forward (hop 0, link-address `link`, peer `peer`, Interface-ID "eth0"). */
export function relayForward(inner: Template, link: Uint8Array, peer: Uint8Array): Template {
  const head = [MSG.RELAY_FORW, 0, ...link, ...peer];
  const ifid = opt(OPT.INTERFACE_ID, [0x65, 0x74, 0x68, 0x30]);
  const bytes = Uint8Array.from([...head, ...ifid, ...u16(OPT.RELAY_MSG), ...u16(inner.bytes.length), ...inner.bytes]);
  const innerAt = head.length + ifid.length + 4;
  return { bytes, clientAt: inner.clientAt < 0 ? -1 : innerAt + inner.clientAt };
}

// ---------------------------------------------------------------- reading replies

export interface RawOption {
  code: number;
  /** The whole option, header included. */
  bytes: Uint8Array;
}

/** Top-level options of a client/server message (header of 4 bytes); stops at broken framing. */
export function topOptions(msg: Uint8Array): RawOption[] {
  const out: RawOption[] = [];
  let p = 4;
  while (p + 4 <= msg.length) {
    const code = (msg[p] << 8) | msg[p + 1];
    const len = (msg[p + 2] << 8) | msg[p + 3];
    if (p + 4 + len > msg.length) break;
    out.push({ code, bytes: msg.slice(p, p + 4 + len) });
    p += 4 + len;
  }
  return out;
}

/** True when an IA option (IA_NA or IA_PD, header included) holds an IA Address / IA Prefix. */
export function iaHasLease(ia: Uint8Array): boolean {
  const want = ((ia[0] << 8) | ia[1]) === OPT.IA_NA ? OPT.IAADDR : OPT.IAPREFIX;
  let p = 4 + 12;
  while (p + 4 <= ia.length) {
    const code = (ia[p] << 8) | ia[p + 1];
    const len = (ia[p + 2] << 8) | ia[p + 3];
    if (code === want) return true;
    p += 4 + len;
  }
  return false;
}
