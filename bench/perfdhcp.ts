// Reading perfdhcp -6 output (Kea 2.2): the rate line, the per-exchange
// statistics blocks and the per-packet timestamps of `-x t`. Pure functions,
// tested in tests/host/bench-perfdhcp.test.ts.

export interface ExchangeStats {
  sent: number;
  received: number;
  drops: number;
  /** perfdhcp's own figure, percent. */
  dropsRatio: number;
  orphans: number;
  rejectedLeases: number;
  minDelayMs: number;
  avgDelayMs: number;
  maxDelayMs: number;
  stddevMs: number;
}

export interface PerfdhcpRun {
  /** "Rate: X 4-way exchanges/second" (perfdhcp's average over the run). */
  rate: number | null;
  expectedRate: number | null;
  sa: ExchangeStats | null;
  rr: ExchangeStats | null;
  /** (sent, received) seconds of each completed exchange, when run with -x t. */
  saTimes: [number, number][];
  rrTimes: [number, number][];
}

const num = (s: string | undefined): number => (s === undefined ? NaN : Number(s));

function block(text: string, name: string): ExchangeStats | null {
  const head = `***Statistics for: ${name}***`;
  const start = text.indexOf(head);
  if (start < 0) return null;
  const rest = text.slice(start + head.length);
  const end = rest.search(/\*\*\*/);
  const b = end < 0 ? rest : rest.slice(0, end);
  const field = (label: string): number => num(new RegExp(`^${label}:\\s*([-0-9.]+)`, "m").exec(b)?.[1]);
  return {
    sent: field("sent packets"),
    received: field("received packets"),
    drops: field("drops"),
    dropsRatio: field("drops ratio"),
    orphans: field("orphans"),
    rejectedLeases: field("rejected leases"),
    minDelayMs: field("min delay"),
    avgDelayMs: field("avg delay"),
    maxDelayMs: field("max delay"),
    stddevMs: field("std deviation"),
  };
}

function timestamps(text: string, name: string): [number, number][] {
  const head = `***Timestamps for packets: ${name}***`;
  const start = text.indexOf(head);
  if (start < 0) return [];
  const rest = text.slice(start + head.length);
  const end = rest.search(/\*\*\*/);
  const b = end < 0 ? rest : rest.slice(0, end);
  const out: [number, number][] = [];
  const re = /^sent \/ received:\s*([0-9.]+)\s*\/\s*([0-9.]+)/gm;
  for (let m; (m = re.exec(b)); ) out.push([Number(m[1]), Number(m[2])]);
  return out;
}

export function parsePerfdhcp(text: string): PerfdhcpRun {
  const rate = /^Rate:\s*([0-9.e+]+)\s+4-way exchanges\/second(?:, expected rate:\s*([0-9.]+))?/m.exec(text);
  return {
    rate: rate ? Number(rate[1]) : null,
    expectedRate: rate?.[2] ? Number(rate[2]) : null,
    sa: block(text, "SOLICIT-ADVERTISE"),
    rr: block(text, "REQUEST-REPLY"),
    saTimes: timestamps(text, "SOLICIT-ADVERTISE"),
    rrTimes: timestamps(text, "REQUEST-REPLY"),
  };
}

/**
 * Four-way exchanges lost, as a fraction of those started: 1 - (Replies
 * received / Solicits sent). A Solicit without Advertise, and a Request without
 * Reply, both count once.
 */
export function exchangeDropRatio(r: PerfdhcpRun): number {
  if (!r.sa || !r.rr || !(r.sa.sent > 0)) return 1;
  return Math.max(0, 1 - r.rr.received / r.sa.sent);
}

// ---------------------------------------------------------------- latency

/** The q-quantile (0..1) of sorted values, nearest rank; NaN when empty. */
export function quantile(sorted: number[], q: number): number {
  if (!sorted.length) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i];
}

export interface LatencySummary {
  count: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
}

export function summarize(valuesMs: number[]): LatencySummary {
  const s = [...valuesMs].sort((a, b) => a - b);
  return { count: s.length, p50Ms: quantile(s, 0.5), p90Ms: quantile(s, 0.9), p99Ms: quantile(s, 0.99), maxMs: s.length ? s[s.length - 1] : NaN };
}

/**
 * Whole four-way exchange latencies (Solicit sent -> Reply received), ms.
 * perfdhcp lists the two halves separately (no transaction to join them by);
 * a Request follows its Advertise at once, so each Request is paired with the
 * latest Advertise received before it (and at most `maxGapMs` before it) that
 * is not paired yet. An Advertise whose Request was never answered is never
 * the latest for later Requests, so one loss does not shift the pairs after
 * it; Advertises handled in one batch may be paired crosswise, which moves a
 * latency by at most the batch's width.
 * Returns the latencies and how many Requests found their Advertise.
 */
export function pairExchanges(sa: [number, number][], rr: [number, number][], maxGapMs = 10): { latenciesMs: number[]; paired: number } {
  const adv = [...sa].sort((a, b) => a[1] - b[1]);
  const req = [...rr].sort((a, b) => a[0] - b[0]);
  const out: number[] = [];
  const stack: [number, number][] = []; // Advertises received so far, not paired, in receive order
  let j = 0;
  for (const [reqSent, replyRecv] of req) {
    while (j < adv.length && adv[j][1] <= reqSent) stack.push(adv[j++]);
    const a = stack.pop();
    if (a && (reqSent - a[1]) * 1000 <= maxGapMs) out.push((replyRecv - a[0]) * 1000);
    else if (a) stack.push(a);
  }
  return { latenciesMs: out, paired: out.length };
}
