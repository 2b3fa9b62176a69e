// A strict reader of odhcpd's lease file (`config odhcpd` `leasefile`), written
// from odhcpd's dhcpv6_ia_write_statefile / dhcpv6_write_ia_addr:
//
//   hosts line (IA_NA with a hostname, one per address):
//     ADDR \t HOST.DOMAIN \t HOST          (the domain part only when a search domain is set)
//   binding line:
//     # IFNAME DUID-HEX IAID-HEX HOSTNAME|- EXPIRY ASSIGNED-HEX LENGTH ADDR/PLEN ADDR/PLEN ...
//   EXPIRY: Unix time of the end of the binding's validity, -1 for infinite, 0 for expired.
//   LENGTH: 128 for IA_NA, the delegated prefix length for IA_PD.
//   Each address is printed "%s/%d " and the last space becomes the newline.

import { parseIPv6, formatIPv6 } from "../../../host/util/ipv6.js";

export interface LeaseFileBinding {
  line: number;
  ifname: string;
  duid: string;
  /** IAID as a number (the file has it in hex without leading zeros). */
  iaid: number;
  /** null for "-". */
  hostname: string | null;
  expiry: number;
  assigned: string;
  length: number;
  addrs: { address: string; plen: number }[];
}

export interface LeaseFileHost {
  line: number;
  address: string;
  names: string[];
}

export interface LeaseFile {
  bindings: LeaseFileBinding[];
  hosts: LeaseFileHost[];
  /** Every deviation from the format, one message each (empty when the file is well-formed). */
  problems: string[];
}

const HEX = /^[0-9a-f]+$/;

export function parseLeaseFile(text: string): LeaseFile {
  const out: LeaseFile = { bindings: [], hosts: [], problems: [] };
  if (text.length && !text.endsWith("\n")) out.problems.push("the file does not end with a newline");
  const lines = text.split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  lines.forEach((l, i) => {
    const n = i + 1;
    const bad = (why: string) => out.problems.push(`line ${n} ${JSON.stringify(l)}: ${why}`);
    if (l.startsWith("#")) {
      if (!l.startsWith("# ")) return bad("a binding line starts with '# '");
      if (/\s$/.test(l)) return bad("trailing white space (odhcpd replaces the last space with the newline)");
      const f = l.slice(2).split(" ");
      if (f.some((x) => x === "")) return bad("fields are separated by exactly one space");
      if (f.length < 7) return bad(`${f.length} fields, at least 7 expected (ifname duid iaid hostname expiry assigned length)`);
      const [ifname, duid, iaid, hostname, expiry, assigned, length, ...addrs] = f;
      if (!HEX.test(duid) || duid.length % 2) bad(`DUID '${duid}' is not lower-case hex of whole bytes`);
      if (!HEX.test(iaid) || (iaid.length > 1 && iaid.startsWith("0"))) bad(`IAID '${iaid}' is not %x (lower-case hex, no leading zeros)`);
      if (!/^(-1|0|[1-9]\d*)$/.test(expiry)) bad(`expiry '${expiry}' is not -1, 0 or a Unix time`);
      if (!HEX.test(assigned) || (assigned.length > 1 && assigned.startsWith("0"))) bad(`assigned '${assigned}' is not %x`);
      if (!/^(12[0-8]|1[01]\d|[1-9]?\d)$/.test(length)) bad(`length '${length}' is not 0..128`);
      const parsed: { address: string; plen: number }[] = [];
      for (const a of addrs) {
        const m = /^([0-9a-f:.]+)\/(\d+)$/.exec(a);
        const bytes = m ? parseIPv6(m[1]) : null;
        if (!m || !bytes) {
          bad(`'${a}' is not ADDR/PLEN`);
          continue;
        }
        if (formatIPv6(bytes) !== m[1]) bad(`'${m[1]}' is not in inet_ntop form (${formatIPv6(bytes)})`);
        if (Number(m[2]) !== Number(length)) bad(`'${a}': prefix length differs from the binding's length ${length}`);
        parsed.push({ address: m[1], plen: Number(m[2]) });
      }
      out.bindings.push({
        line: n,
        ifname,
        duid,
        iaid: parseInt(iaid, 16),
        hostname: hostname === "-" ? null : hostname,
        expiry: Number(expiry),
        assigned,
        length: Number(length),
        addrs: parsed,
      });
      return;
    }
    const f = l.split("\t");
    if (f.length < 2 || f.length > 3) return bad("neither a '# ' binding line nor a hosts line ADDR<TAB>NAME[<TAB>NAME]");
    const bytes = parseIPv6(f[0]);
    if (!bytes) return bad(`hosts line: '${f[0]}' is not an IPv6 address`);
    if (formatIPv6(bytes) !== f[0]) bad(`hosts line: '${f[0]}' is not in inet_ntop form`);
    if (f.slice(1).some((x) => !/^[A-Za-z0-9.-]+$/.test(x))) bad("hosts line: a name with characters outside [A-Za-z0-9.-]");
    if (f.length === 3 && !f[1].startsWith(`${f[2]}.`)) bad(`hosts line: '${f[1]}' should be '${f[2]}.<domain>'`);
    out.hosts.push({ line: n, address: f[0], names: f.slice(1) });
  });
  // A hosts line belongs to the IA_NA binding line that follows it (odhcpd writes them first).
  for (const h of out.hosts) {
    const next = out.bindings.find((b) => b.line > h.line);
    if (!next || next.length !== 128 || !next.addrs.some((a) => a.address === h.address) || next.hostname !== h.names[h.names.length - 1])
      out.problems.push(`line ${h.line}: hosts line for ${h.address} is not followed by the IA_NA binding line holding that address and hostname`);
  }
  return out;
}
