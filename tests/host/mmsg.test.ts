// The batched UDP socket (native/udp6mmsg.c + host/net/mmsg.ts) on loopback,
// against node:dgram as the peer: bytes, sources and ports survive a batch;
// replies queued during a batch leave in one flush; errors reach the caller.
// Needs the addon: `npm run build` builds it (scripts/build-native, gcc and
// Node's headers); without it these tests FAIL saying so.

import { test } from "node:test";
import assert from "node:assert/strict";
import dgram from "node:dgram";
import { once } from "node:events";
import { loadMmsg, MmsgSocket, ADDON_PATH, ifname, forgetInterfaces } from "../../host/net/mmsg.js";

function requireAddon(): void {
  const r = loadMmsg();
  if (!r.ok) assert.fail(`the batched UDP addon is needed: run scripts/build-native --required (gcc and Node's headers); ${r.why}`);
}

async function bound(port = 0): Promise<{ sock: MmsgSocket; port: number }> {
  // The addon takes a fixed port; pick a free one from the kernel through dgram first.
  if (port === 0) {
    const probe = dgram.createSocket("udp6");
    await new Promise<void>((r) => probe.bind(0, "::1", () => r()));
    port = probe.address().port;
    probe.close();
  }
  const sock = new MmsgSocket();
  await new Promise<void>((resolve, reject) => {
    sock.on("error", reject);
    sock.bind({ port, address: "::1" }, () => resolve());
  });
  return { sock, port };
}

test(`the addon is built and loads (${ADDON_PATH})`, () => {
  requireAddon();
});

test("a burst of 100 datagrams (the kernel holds them all: peer and socket share this thread) arrives whole, in batches, with the sender's address and port; each echo goes back", async (t) => {
  requireAddon();
  const { sock, port } = await bound();
  const peer = dgram.createSocket("udp6");
  t.after(() => (sock.close(), peer.close()));
  await new Promise<void>((r) => peer.bind(0, "::1", () => r()));
  const peerPort = peer.address().port;
  const seen: string[] = [];
  sock.on("message", (data, rinfo) => {
    assert.equal(rinfo.address, "::1");
    assert.equal(rinfo.port, peerPort);
    seen.push(data.toString());
    sock.send(Buffer.concat([Buffer.from("echo "), data]), rinfo.port, rinfo.address);
  });
  const echoes: string[] = [];
  const all = new Promise<void>((resolve) =>
    peer.on("message", (m) => {
      echoes.push(m.toString());
      if (echoes.length === 100) resolve();
    }),
  );
  for (let i = 0; i < 100; i++) peer.send(`d${i} ${"x".repeat(i * 5)}`, port, "::1");
  await Promise.race([all, new Promise((_, rej) => setTimeout(() => rej(new Error(`only ${echoes.length} of 100 echoes`)), 5000))]);
  assert.deepEqual(seen.map((s) => s.split(" ")[0]).sort(), [...Array(100).keys()].map((i) => `d${i}`).sort());
  for (const e of echoes) {
    const [tag, id, body] = e.split(" ");
    assert.equal(tag, "echo");
    assert.equal(body ?? "", "x".repeat(Number(id.slice(1)) * 5), `${id}: the bytes came back unchanged`);
  }
});

test("a 60000-byte datagram fits (a slot holds any UDP payload)", async () => {
  requireAddon();
  const { sock, port } = await bound();
  const peer = dgram.createSocket("udp6");
  const big = Buffer.alloc(60000, 0xab);
  big[59999] = 0x01;
  const got = once(sock, "message");
  peer.send(big, port, "::1");
  const [data] = (await got) as [Buffer];
  assert.equal(data.length, 60000);
  assert.equal(data[59999], 0x01);
  sock.close();
  peer.close();
});

test("sends made outside a receive batch (a timer) leave on the next tick, in order", async () => {
  requireAddon();
  const { sock } = await bound();
  const peer = dgram.createSocket("udp6");
  await new Promise<void>((r) => peer.bind(0, "::1", () => r()));
  const got: string[] = [];
  const done = new Promise<void>((r) => peer.on("message", (m) => (got.push(m.toString()), got.length === 40 && r())));
  const results: (Error | null)[] = [];
  for (let i = 0; i < 40; i++) sock.send(Buffer.from(`t${i}`), peer.address().port, "::1", (e) => results.push(e)); // more than one batch
  await done;
  assert.deepEqual(got, [...Array(40).keys()].map((i) => `t${i}`));
  assert.equal(results.length, 40);
  assert.ok(results.every((e) => e === null));
  sock.close();
  peer.close();
});

test("errors: a bind to an address that is not ours is an 'error' event; a bad destination fails the send's callback", async (t) => {
  requireAddon();
  const sock = new MmsgSocket();
  const [err] = (await Promise.all([once(sock, "error"), sock.bind({ port: 0, address: "2001:db8:dead::1" }, () => assert.fail("bound"))]))[0] as [Error & { code?: string }];
  assert.equal(err.code, "EADDRNOTAVAIL");
  sock.close();
  const { sock: ok } = await bound();
  t.after(() => ok.close());
  const e = await new Promise<Error | null>((r) => ok.send(Buffer.from("x"), 547, "not-an-address", r));
  assert.match(String(e?.message), /not an IPv6 address/);
  const unreachable = await new Promise<Error | null>((r) => ok.send(Buffer.from("x"), 547, "fe80::1%99999", r));
  assert.ok(unreachable, "a destination on an interface that does not exist fails");
  assert.equal((unreachable as Error & { code?: string }).code, "ENETUNREACH");
});

test("a closed socket receives nothing more and refuses sends", async () => {
  requireAddon();
  const { sock, port } = await bound();
  let n = 0;
  sock.on("message", () => n++);
  sock.close();
  const peer = dgram.createSocket("udp6");
  peer.send("late", port, "::1");
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(n, 0);
  const e = await new Promise<Error | null>((r) => sock.send(Buffer.from("x"), port, "::1", r));
  assert.match(String(e?.message), /closed/);
  peer.close();
});

test("interface names of link-local sources come from the kernel, also after the cache is dropped", () => {
  requireAddon();
  assert.equal(ifname(1), "lo");
  forgetInterfaces();
  assert.equal(ifname(1), "lo");
  assert.equal(ifname(0x7ffffff0), String(0x7ffffff0), "no such interface: the index as text");
});
