#!/usr/bin/env node
// Prints a DHCPv6 payload as an AssemblyScript byte array with one comment
// per field, for tests/assembly/vectors.ts. Independent of the core on
// purpose (a second reading of the bytes), and careful with broken framing.
//
//   node tests/vectors/annotate.mjs NAME "description" HEX
//   HEX from: tshark -r FILE -Y frame.number==N -T fields -e udp.payload

const [name, description, hex] = process.argv.slice(2);
if (!name || !hex) {
  console.error('usage: annotate.mjs NAME "description" HEX');
  process.exit(2);
}
const b = Buffer.from(hex.replace(/[\s:]/g, ""), "hex");
const out = [];
const hx = (i, n) => Array.from(b.subarray(i, i + n), (x) => "0x" + x.toString(16).padStart(2, "0"));
function line(indent, i, n, comment) {
  if (n <= 0) return;
  const bytes = hx(i, n);
  for (let k = 0; k < bytes.length; k += 16) {
    const chunk = bytes.slice(k, k + 16).join(", ") + ",";
    out.push("  " + "  ".repeat(indent) + chunk + (k === 0 ? " // " + comment : ""));
  }
}
const u16 = (i) => b.readUInt16BE(i);
const u32 = (i) => b.readUInt32BE(i);
const MSG = { 1: "Solicit", 2: "Advertise", 3: "Request", 5: "Renew", 7: "Reply", 8: "Release", 10: "Reconfigure", 11: "Information-request", 12: "Relay-forward", 13: "Relay-reply" };
const OPT = { 1: "Client Identifier", 2: "Server Identifier", 3: "IA_NA", 5: "IA Address", 6: "Option Request", 8: "Elapsed Time", 9: "Relay Message", 11: "Authentication", 13: "Status Code", 14: "Rapid Commit", 16: "Vendor Class", 31: "SNTP Servers", 39: "Client FQDN", 19: "Reconfigure Message", 20: "Reconfigure Accept", 23: "DNS Recursive Name Server", 24: "Domain Search List", 25: "IA_PD", 26: "IA Prefix", 82: "SOL_MAX_RT", 83: "INF_MAX_RT" };
const DUID = { 1: "DUID-LLT", 2: "DUID-EN", 3: "DUID-LL", 4: "DUID-UUID" };
const addr = (i) => {
  const g = [];
  for (let k = 0; k < 8; k++) g.push(u16(i + 2 * k).toString(16));
  return g.join(":").replace(/(^|:)0(:0)+(:|$)/, "::").replace(/:::+/, "::");
};

function message(ind, i, end) {
  const t = b[i];
  line(ind, i, 1, `msg-type: ${MSG[t] ?? "?"} (${t})`);
  if (t === 12 || t === 13) {
    line(ind, i + 1, 1, `hop-count: ${b[i + 1]}`);
    line(ind, i + 2, 16, `link-address: ${addr(i + 2)}`);
    line(ind, i + 18, 16, `peer-address: ${addr(i + 18)}`);
    options(ind, i + 34, end, "");
  } else {
    line(ind, i + 1, 3, `transaction-id: 0x${b.subarray(i + 1, i + 4).toString("hex")}`);
    options(ind, i + 4, end, "");
  }
}

function options(ind, i, end, what) {
  while (i < end) {
    if (end - i < 4) {
      line(ind, i, end - i, `${end - i} bytes left over: too short for an option header`);
      return;
    }
    const code = u16(i);
    const len = u16(i + 2);
    line(ind, i, 2, `${what}option-code: ${OPT[code] ?? "unknown"} (${code})`);
    const avail = end - i - 4;
    const n = Math.min(len, avail);
    line(ind, i + 2, 2, `option-len: ${len}` + (len > avail ? ` (only ${avail} bytes remain: overruns its container)` : ""));
    data(ind + 1, code, i + 4, n, len > avail);
    if (len > avail) return;
    i += 4 + len;
  }
}

function data(ind, code, i, n, cut) {
  const end = i + n;
  if (cut && code !== 25 && code !== 3) {
    line(ind, i, n, `the ${n} bytes present`);
    return;
  }
  switch (code) {
    case 1:
    case 2: {
      const t = u16(i);
      line(ind, i, 2, `DUID type: ${DUID[t] ?? "?"} (${t})`);
      if (t === 1) {
        line(ind, i + 2, 2, `hardware type: ${u16(i + 2)}`);
        line(ind, i + 4, 4, `time: ${u32(i + 4)}`);
        line(ind, i + 8, n - 8, "link-layer address");
      } else if (t === 3) {
        line(ind, i + 2, 2, `hardware type: ${u16(i + 2)}`);
        line(ind, i + 4, n - 4, "link-layer address");
      } else line(ind, i + 2, n - 2, "DUID data");
      return;
    }
    case 3:
    case 25:
      line(ind, i, 4, `IAID: ${u32(i)}`);
      line(ind, i + 4, 4, `T1: ${u32(i + 4)}`);
      line(ind, i + 8, 4, `T2: ${u32(i + 8)}`);
      options(ind, i + 12, end, "IA ");
      return;
    case 5:
      line(ind, i, 16, `IPv6 address: ${addr(i)}`);
      line(ind, i + 16, 4, `preferred-lifetime: ${u32(i + 16)}`);
      line(ind, i + 20, 4, `valid-lifetime: ${u32(i + 20)}`);
      options(ind, i + 24, end, "IAaddr ");
      return;
    case 26:
      line(ind, i, 4, `preferred-lifetime: ${u32(i)}`);
      line(ind, i + 4, 4, `valid-lifetime: ${u32(i + 4)}`);
      line(ind, i + 8, 1, `prefix-length: ${b[i + 8]}`);
      line(ind, i + 9, 16, `IPv6 prefix: ${addr(i + 9)}`);
      options(ind, i + 25, end, "IAprefix ");
      return;
    case 6:
      for (let k = i; k + 2 <= end; k += 2) line(ind, k, 2, `requested-option-code: ${OPT[u16(k)] ?? "?"} (${u16(k)})`);
      return;
    case 8:
      line(ind, i, 2, `elapsed-time: ${u16(i)} (1/100 s)`);
      return;
    case 9:
      message(ind, i, end);
      return;
    case 11:
      line(ind, i, 1, `protocol: ${b[i]}`);
      line(ind, i + 1, 1, `algorithm: ${b[i + 1]}`);
      line(ind, i + 2, 1, `RDM: ${b[i + 2]}`);
      line(ind, i + 3, 8, "replay detection");
      line(ind, i + 11, 1, `information type: ${b[i + 11]}`);
      line(ind, i + 12, n - 12, "information value (16 bytes)");
      return;
    case 13:
      line(ind, i, 2, `status-code: ${u16(i)}`);
      line(ind, i + 2, n - 2, `status-message: "${b.subarray(i + 2, end).toString("latin1")}"`);
      return;
    case 16:
      line(ind, i, 4, `enterprise-number: ${u32(i)}`);
      for (let k = i + 4; k + 2 <= end; ) {
        const l = u16(k);
        line(ind, k, 2, `vendor-class-len: ${l}`);
        line(ind, k + 2, l, `vendor-class-data: "${b.subarray(k + 2, k + 2 + l).toString("latin1")}"`);
        k += 2 + l;
      }
      return;
    case 19:
      line(ind, i, 1, `msg-type: ${MSG[b[i]] ?? "?"} (${b[i]})`);
      return;
    case 23:
      for (let k = i; k + 16 <= end; k += 16) line(ind, k, 16, `DNS server: ${addr(k)}`);
      return;
    case 24:
      for (let k = i; k < end; ) {
        const l = b[k];
        line(ind, k, 1 + l, l === 0 ? "root label" : `label: "${b.subarray(k + 1, k + 1 + l).toString("latin1")}"`);
        k += 1 + l;
      }
      return;
    case 82:
    case 83:
      line(ind, i, 4, `seconds: ${u32(i)}`);
      return;
    default:
      line(ind, i, n, "option-data");
  }
}

message(0, 0, b.length);
console.log(`/** ${description} (${b.length} bytes). */`);
console.log(`export const ${name}: StaticArray<u8> = [`);
console.log(out.join("\n"));
console.log("];");
