// Decoding a capture file into list rows: frames -> UDP 546/547 over IPv6
// (host/util/pcap.ts) -> the core's inspect -> describe(). Runs in the Web
// Worker (worker.ts), or on the page in slices when no worker can be started.
// Rows go out in batches with their payloads packed into one buffer.

import type { Core } from "../../host/core/core.js";
import { readFrames, udpOverIpv6 } from "../../host/util/pcap.js";
import { formatIPv6 } from "../../host/util/ipv6.js";
import { describe, type Described, type Inspected } from "./decode.js";

/** One DHCPv6 datagram of a capture, as the list shows it. */
export interface PacketInfo extends Described {
  frame: number;
  /** Seconds since the epoch. */
  time: number;
  src: string;
  dst: string;
  srcPort: number;
  dstPort: number;
  /** Sent to a multicast group (ff00::/8). */
  multicast: boolean;
  /** The capture holds less than the UDP length says. */
  truncatedCapture: boolean;
}

export interface Batch {
  rows: PacketInfo[];
  /** Payloads of `rows`, back to back; row i is bytes ends[i-1]..ends[i]. */
  payloads: ArrayBuffer;
  ends: number[];
}

export interface Sink {
  batch(b: Batch): void;
  progress(done: number, total: number): void;
}

const BATCH = 2000;
const DHCPV6_PORTS = [546, 547];

/** Decodes every DHCPv6 datagram of `file`; awaits `pause()` after each batch
 *  (the page yields to the event loop there). Returns the number of rows. */
export async function decodeCapture(core: Core, file: Uint8Array, sink: Sink, pause: () => Promise<void>): Promise<number> {
  const frames = readFrames(file);
  let rows: PacketInfo[] = [];
  let payloads: Uint8Array[] = [];
  let count = 0;
  const flush = () => {
    if (!rows.length) return;
    const ends: number[] = [];
    let size = 0;
    for (const p of payloads) ends.push((size += p.length));
    const buf = new Uint8Array(size);
    payloads.forEach((p, i) => buf.set(p, i ? ends[i - 1] : 0));
    sink.batch({ rows, payloads: buf.buffer, ends });
    rows = [];
    payloads = [];
  };
  for (let i = 0; i < frames.length; i++) {
    const u = udpOverIpv6(frames[i]);
    if (u && (DHCPV6_PORTS.includes(u.srcPort) || DHCPV6_PORTS.includes(u.dstPort))) {
      const j = core.inspect(u.payload) as Inspected;
      rows.push({
        ...describe(j),
        frame: u.frame,
        time: u.time,
        src: formatIPv6(u.src),
        dst: formatIPv6(u.dst),
        srcPort: u.srcPort,
        dstPort: u.dstPort,
        multicast: u.dst[0] === 0xff,
        truncatedCapture: u.truncated,
      });
      payloads.push(u.payload);
      count++;
    }
    if ((i + 1) % BATCH === 0 || i + 1 === frames.length) {
      flush();
      sink.progress(i + 1, frames.length);
      await pause();
    }
  }
  flush();
  return count;
}
