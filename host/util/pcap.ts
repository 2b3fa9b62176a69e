// Reading DHCPv6 datagrams out of capture files: pcapng and classic pcap,
// either byte order; link types Ethernet (with VLAN tags), Linux cooked v1
// and v2, raw IP, IPv6 and BSD loopback; IPv6 extension headers; UDP to or
// from ports 546/547. No Node imports: the browser inspector uses it too.
//
// Frame numbers count packet blocks from 1, as Wireshark numbers frames.

/** One captured frame. */
export interface Frame {
  /** 1-based frame number, as in Wireshark. */
  number: number;
  /** Seconds since the epoch (fractional). */
  time: number;
  linkType: number;
  /** The captured bytes (caplen of them). */
  data: Uint8Array;
  /** Length of the frame on the wire. */
  origLen: number;
}

/** A UDP datagram over IPv6 found in a frame. */
export interface UdpPacket {
  frame: number;
  time: number;
  src: Uint8Array; // 16 bytes
  dst: Uint8Array; // 16 bytes
  srcPort: number;
  dstPort: number;
  /** The UDP payload (as much of it as was captured). */
  payload: Uint8Array;
  /** Offset of the payload in the frame. */
  offset: number;
  /** True when the capture holds less than the UDP length says. */
  truncated: boolean;
}

export const LINKTYPE_NULL = 0;
export const LINKTYPE_ETHERNET = 1;
export const LINKTYPE_RAW = 101;
export const LINKTYPE_LOOP = 108;
export const LINKTYPE_LINUX_SLL = 113;
export const LINKTYPE_IPV6 = 229;
export const LINKTYPE_LINUX_SLL2 = 276;
const DLT_RAW_A = 12; // raw IP on most BSDs
const DLT_RAW_B = 14; // raw IP on OpenBSD

const ETHERTYPE_IPV6 = 0x86dd;
const ETHERTYPE_VLAN = [0x8100, 0x88a8, 0x9100];
const IPPROTO_UDP = 17;
const DHCPV6_PORTS = [546, 547];

class Reader {
  readonly view: DataView;
  little = true;
  constructor(readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  u16(o: number): number {
    return this.view.getUint16(o, this.little);
  }
  u32(o: number): number {
    return this.view.getUint32(o, this.little);
  }
}

function fail(what: string): never {
  throw new Error(`capture: ${what}`);
}

/** Every frame of a pcapng or pcap file. Throws on a file that is neither,
 *  or whose blocks are broken. */
export function readFrames(file: Uint8Array): Frame[] {
  if (file.length < 4) fail("file too short to be pcap or pcapng");
  const magic = new DataView(file.buffer, file.byteOffset, 4).getUint32(0, false);
  if (magic === 0x0a0d0d0a) return readPcapng(file);
  if ([0xa1b2c3d4, 0xd4c3b2a1, 0xa1b23c4d, 0x4d3cb2a1].includes(magic)) return readPcap(file);
  fail(`unknown file format (magic 0x${magic.toString(16).padStart(8, "0")}); expected pcap or pcapng`);
}

function readPcap(file: Uint8Array): Frame[] {
  const r = new Reader(file);
  if (file.length < 24) fail("pcap header truncated");
  const m = r.view.getUint32(0, false);
  r.little = m === 0xd4c3b2a1 || m === 0x4d3cb2a1;
  const nano = m === 0xa1b23c4d || m === 0x4d3cb2a1;
  const linkType = r.u32(20) & 0xffff;
  const frames: Frame[] = [];
  let o = 24;
  while (o < file.length) {
    if (o + 16 > file.length) fail(`pcap record header truncated at byte ${o}`);
    const sec = r.u32(o);
    const frac = r.u32(o + 4);
    const caplen = r.u32(o + 8);
    const origLen = r.u32(o + 12);
    if (o + 16 + caplen > file.length) fail(`pcap record at byte ${o} declares ${caplen} bytes, ${file.length - o - 16} remain`);
    frames.push({
      number: frames.length + 1,
      time: sec + frac / (nano ? 1e9 : 1e6),
      linkType,
      data: file.subarray(o + 16, o + 16 + caplen),
      origLen,
    });
    o += 16 + caplen;
  }
  return frames;
}

interface Iface {
  linkType: number;
  unitsPerSecond: number;
  offset: number; // seconds
}

function readPcapng(file: Uint8Array): Frame[] {
  const r = new Reader(file);
  const frames: Frame[] = [];
  let ifaces: Iface[] = [];
  let o = 0;
  while (o < file.length) {
    if (o + 12 > file.length) fail(`pcapng block header truncated at byte ${o}`);
    const type = r.view.getUint32(o, r.little);
    if (type === 0x0a0d0d0a) {
      // Section Header Block: its byte-order magic sets the byte order of the section
      const bom = r.view.getUint32(o + 8, false);
      if (bom === 0x1a2b3c4d) r.little = false;
      else if (bom === 0x4d3c2b1a) r.little = true;
      else fail(`bad pcapng byte-order magic at byte ${o + 8}`);
      ifaces = [];
    }
    const len = r.u32(o + 4);
    if (len < 12 || len % 4 !== 0 || o + len > file.length) fail(`pcapng block at byte ${o} has bad length ${len}`);
    if (r.u32(o + len - 4) !== len) fail(`pcapng block at byte ${o}: trailing length differs`);
    const body = o + 8;
    const bodyEnd = o + len - 4;
    if (type === 1) {
      // Interface Description Block
      const iface: Iface = { linkType: r.u16(body), unitsPerSecond: 1e6, offset: 0 };
      for (let p = body + 8; p + 4 <= bodyEnd; ) {
        const code = r.u16(p);
        const olen = r.u16(p + 2);
        if (code === 0) break;
        if (code === 9 && olen >= 1) {
          const v = file[p + 4];
          iface.unitsPerSecond = v & 0x80 ? 2 ** (v & 0x7f) : 10 ** v;
        } else if (code === 14 && olen >= 8) {
          iface.offset = Number(r.view.getBigInt64(p + 4, r.little));
        }
        p += 4 + olen + ((4 - (olen % 4)) % 4);
      }
      ifaces.push(iface);
    } else if (type === 6 || type === 2) {
      // Enhanced Packet Block, or the obsolete Packet Block
      const id = type === 6 ? r.u32(body) : r.u16(body);
      const iface = ifaces[id] ?? fail(`packet block at byte ${o} names interface ${id}, which is not described`);
      const ts = (BigInt(r.u32(body + 4)) << 32n) | BigInt(r.u32(body + 8));
      const caplen = r.u32(body + 12);
      const origLen = r.u32(body + 16);
      if (body + 20 + caplen > bodyEnd) fail(`packet block at byte ${o} declares ${caplen} bytes, ${bodyEnd - body - 20} remain`);
      const units = BigInt(Math.round(iface.unitsPerSecond));
      const time = iface.offset + Number(ts / units) + Number(ts % units) / iface.unitsPerSecond;
      frames.push({ number: frames.length + 1, time, linkType: iface.linkType, data: file.subarray(body + 20, body + 20 + caplen), origLen });
    } else if (type === 3) {
      // Simple Packet Block: interface 0, no timestamp
      const iface = ifaces[0] ?? fail(`simple packet block at byte ${o} without an interface`);
      const origLen = r.u32(body);
      const caplen = Math.min(origLen, bodyEnd - body - 4);
      frames.push({ number: frames.length + 1, time: 0, linkType: iface.linkType, data: file.subarray(body + 4, body + 4 + caplen), origLen });
    }
    o += len;
  }
  return frames;
}

/** Where the IPv6 header starts in a frame of `linkType`, or -1 when the
 *  frame does not carry IPv6. */
export function ipv6Offset(linkType: number, d: Uint8Array): number {
  const be16 = (o: number) => (o + 2 <= d.length ? (d[o] << 8) | d[o + 1] : -1);
  switch (linkType) {
    case LINKTYPE_ETHERNET: {
      let o = 12;
      let type = be16(o);
      while (ETHERTYPE_VLAN.includes(type)) {
        o += 4;
        type = be16(o);
      }
      return type === ETHERTYPE_IPV6 ? o + 2 : -1;
    }
    case LINKTYPE_LINUX_SLL:
      return be16(14) === ETHERTYPE_IPV6 ? 16 : -1;
    case LINKTYPE_LINUX_SLL2:
      return be16(0) === ETHERTYPE_IPV6 ? 20 : -1;
    case LINKTYPE_RAW:
    case DLT_RAW_A:
    case DLT_RAW_B:
    case LINKTYPE_IPV6:
      return d.length > 0 && d[0] >> 4 === 6 ? 0 : -1;
    case LINKTYPE_NULL:
    case LINKTYPE_LOOP: {
      if (d.length < 4) return -1;
      // AF_INET6 is 10 (Linux), 24 (NetBSD, OpenBSD), 28 (FreeBSD), 30 (macOS), in either byte order
      const le = d[0] | (d[1] << 8) | (d[2] << 16) | (d[3] << 24);
      const be = (d[0] << 24) | (d[1] << 16) | (d[2] << 8) | d[3];
      return [10, 24, 28, 30].includes(le) || [10, 24, 28, 30].includes(be) ? 4 : -1;
    }
    default:
      return -1;
  }
}

/** The UDP datagram in a frame, when it is UDP over IPv6 (extension headers
 *  skipped; fragments other than an atomic one are not reassembled). */
export function udpOverIpv6(f: Frame): UdpPacket | null {
  const d = f.data;
  const ip = ipv6Offset(f.linkType, d);
  if (ip < 0 || ip + 40 > d.length || d[ip] >> 4 !== 6) return null;
  const payloadLen = (d[ip + 4] << 8) | d[ip + 5];
  const ipEnd = payloadLen === 0 ? d.length : Math.min(d.length, ip + 40 + payloadLen);
  let next = d[ip + 6];
  let o = ip + 40;
  for (;;) {
    if (next === IPPROTO_UDP) break;
    if (o + 8 > ipEnd) return null;
    if (next === 0 || next === 43 || next === 60) {
      next = d[o];
      o += (d[o + 1] + 1) * 8;
    } else if (next === 44) {
      const fragOff = ((d[o + 2] << 8) | d[o + 3]) & 0xfff9; // offset and M flag
      if (fragOff !== 0) return null;
      next = d[o];
      o += 8;
    } else if (next === 51) {
      next = d[o];
      o += (d[o + 1] + 2) * 4;
    } else {
      return null;
    }
  }
  if (o + 8 > ipEnd) return null;
  const udpLen = (d[o + 4] << 8) | d[o + 5];
  if (udpLen < 8) return null;
  const want = udpLen - 8;
  const have = Math.max(0, Math.min(want, ipEnd - o - 8));
  return {
    frame: f.number,
    time: f.time,
    src: d.slice(ip + 8, ip + 24),
    dst: d.slice(ip + 24, ip + 40),
    srcPort: (d[o] << 8) | d[o + 1],
    dstPort: (d[o + 2] << 8) | d[o + 3],
    payload: d.subarray(o + 8, o + 8 + have),
    offset: o + 8,
    truncated: have < want,
  };
}

/** Every UDP datagram to or from port 546 or 547 (DHCPv6) in a capture file. */
export function dhcpv6Packets(file: Uint8Array): UdpPacket[] {
  const out: UdpPacket[] = [];
  for (const f of readFrames(file)) {
    const u = udpOverIpv6(f);
    if (u && (DHCPV6_PORTS.includes(u.srcPort) || DHCPV6_PORTS.includes(u.dstPort))) out.push(u);
  }
  return out;
}
