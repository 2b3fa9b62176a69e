// inspect/fields.ts: one hand-made option per layout the captures do not
// cover, each checked field by field, with the errors the layout defines.

import { bytes, inspectVec, has } from "./helpers";

// 2001:db8::1
const A: u8[] = [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01];

function withAddr(before: u8[], after: u8[]): u8[] {
  return before.concat(A).concat(after);
}

describe("inspect: options by layout", () => {
  it("Preference (u8), Server Unicast (address), SNTP Servers (addresses)", () => {
    const j = inspectVec(bytes(withAddr([
      0x07, 0x00, 0x00, 0x01, // msg-type: Reply, transaction-id 1
      0x00, 0x07, 0x00, 0x01, // option-code: Preference, option-len: 1
      0xff, // pref-value: 255
      0x00, 0x0c, 0x00, 0x10, // option-code: Server Unicast, option-len: 16
    ], [ // server-address: 2001:db8::1
      0x00, 0x1f, 0x00, 0x00, // option-code: SNTP Servers, option-len: 0 (below 16)
    ])));
    expect(has(j, '{"code":7,"name":"Preference","rfc":"RFC 8415 21.8","off":4,"len":1,"fields":{"value":255}}')).toBe(true, j);
    expect(has(j, '{"code":12,"name":"Server Unicast","rfc":"RFC 8415 21.12","off":9,"len":16,"fields":{"addr":"2001:db8::1"}}')).toBe(true, j);
    expect(has(j, '{"code":31,"name":"SNTP Servers","rfc":"RFC 4075","off":29,"len":0,"fields":{"data":""},"errors":[{"off":29,"len":4,"error":"SNTP Servers needs at least 16 bytes, has 0"}]}')).toBe(true, j);
  });

  it("Status Code: JSON-escaped message, a byte that is not UTF-8 marked", () => {
    const j = inspectVec(bytes([
      0x07, 0x00, 0x00, 0x01, // msg-type: Reply, transaction-id 1
      0x00, 0x0d, 0x00, 0x07, // option-code: Status Code, option-len: 7
      0x00, 0x01, // status-code: UnspecFail
      0x61, 0x22, 0xff, 0x0a, 0x62, // status-message: a " (0xff) \n b
    ]));
    expect(has(j, '"fields":{"code":1,"name":"UnspecFail","message":"a\\"\\ufffd\\nb"},"errors":[{"off":12,"len":1,"error":"Status Code: text is not valid UTF-8 from this byte (shown as U+FFFD)"}]')).toBe(true, j);
  });

  it("User Class items, and an item that overruns", () => {
    const j = inspectVec(bytes([
      0x01, 0x00, 0x00, 0x01, // msg-type: Solicit, transaction-id 1
      0x00, 0x0f, 0x00, 0x09, // option-code: User Class, option-len: 9
      0x00, 0x03, 0x61, 0x62, 0x63, // user-class-len: 3, user-class-data: "abc"
      0x00, 0x02, 0x64, 0x65, // user-class-len: 2, user-class-data: "de"
      0x00, 0x0f, 0x00, 0x04, // option-code: User Class, option-len: 4
      0x00, 0x05, 0x61, 0x62, // user-class-len: 5, but only 2 bytes follow
    ]));
    expect(has(j, '"off":4,"len":9,"fields":{"items":["616263","6465"]}}')).toBe(true, j);
    expect(has(j, '"off":17,"len":4,"fields":{"items":[]},"errors":[{"off":21,"len":4,"error":"data item length 5 exceeds the 2 bytes remaining"}]}')).toBe(true, j);
  });

  it("Vendor-specific Information: enterprise number and opaque suboptions", () => {
    const j = inspectVec(bytes([
      0x07, 0x00, 0x00, 0x01, // msg-type: Reply, transaction-id 1
      0x00, 0x11, 0x00, 0x0d, // option-code: Vendor-specific Information, option-len: 13
      0x00, 0x00, 0x00, 0x09, // enterprise-number: 9
      0x00, 0x01, 0x00, 0x01, 0xaa, // sub-option 1, length 1, data aa
      0x00, 0x02, 0x00, 0x00, // sub-option 2, length 0
    ]));
    expect(has(j, '"fields":{"enterprise":9},"options":[{"code":1,"name":"Vendor suboption","off":12,"len":1,"fields":{"data":"aa"}},{"code":2,"name":"Vendor suboption","off":17,"len":0,"fields":{"data":""}}]}')).toBe(true, j);
  });

  it("Interface-Id and Subscriber-Id: hex, and text when printable", () => {
    const head: u8[] = [0x0c, 0x00]; // msg-type: Relay-forward, hop-count 0
    const j = inspectVec(bytes(head.concat(A).concat(A).concat([ // link-address, peer-address
      0x00, 0x12, 0x00, 0x04, // option-code: Interface-Id, option-len: 4
      0x65, 0x74, 0x68, 0x30, // "eth0"
      0x00, 0x26, 0x00, 0x02, // option-code: Subscriber-Id, option-len: 2
      0x01, 0x61, // not printable
      0x00, 0x09, 0x00, 0x04, // option-code: Relay Message, option-len: 4
      0x0b, 0x00, 0x00, 0x02, // Information-request, transaction-id 2
    ])));
    expect(has(j, '{"code":18,"name":"Interface-Id","rfc":"RFC 8415 21.18","off":34,"len":4,"fields":{"data":"65746830","text":"eth0"}}')).toBe(true, j);
    expect(has(j, '{"code":38,"name":"Subscriber-Id","rfc":"RFC 4580","off":42,"len":2,"fields":{"data":"0161"}}')).toBe(true, j);
    expect(has(j, '"msg":{"type":11,"name":"Information-request","off":52,"len":4,"xid":2,"options":[],"errors":[]}')).toBe(true, j);
  });

  it("Reconfigure Message of a type a Reconfigure cannot ask for", () => {
    const j = inspectVec(bytes([
      0x0a, 0x00, 0x00, 0x00, // msg-type: Reconfigure, transaction-id 0
      0x00, 0x13, 0x00, 0x01, // option-code: Reconfigure Message, option-len: 1
      0x07, // msg-type: Reply
    ]));
    expect(has(j, '"fields":{"msg_type":7,"msg_name":"Reply"},"errors":[{"off":8,"len":1,"error":"message type 7 is not Renew (5), Rebind (6) or Information-request (11)"}]')).toBe(true, j);
  });

  it("Information Refresh Time, INF_MAX_RT, Remote-Id, Client Link-Layer Address, Relay Source Port, Echo Request", () => {
    const j = inspectVec(bytes([
      0x07, 0x00, 0x00, 0x01, // msg-type: Reply, transaction-id 1
      0x00, 0x20, 0x00, 0x04, 0x00, 0x01, 0x51, 0x80, // Information Refresh Time: 86400
      0x00, 0x53, 0x00, 0x04, 0x00, 0x00, 0x00, 0x3c, // INF_MAX_RT: 60
      0x00, 0x25, 0x00, 0x08, 0x00, 0x00, 0x00, 0x09, 0x01, 0x02, 0x03, 0x04, // Remote-Id: enterprise 9, remote-id 01020304
      0x00, 0x4f, 0x00, 0x08, 0x00, 0x01, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff, // Client Link-Layer Address: Ethernet
      0x00, 0x87, 0x00, 0x02, 0x22, 0x22, // Relay Source Port: 8738
      0x00, 0x2b, 0x00, 0x02, 0x00, 0x25, // Echo Request: Remote-Id
    ]));
    expect(has(j, '"name":"Information Refresh Time","rfc":"RFC 8415 21.23","off":4,"len":4,"fields":{"seconds":86400}}')).toBe(true, j);
    expect(has(j, '"name":"INF_MAX_RT","rfc":"RFC 8415 21.25","off":12,"len":4,"fields":{"seconds":60}}')).toBe(true, j);
    expect(has(j, '"name":"Remote-Id","rfc":"RFC 4649","off":20,"len":8,"fields":{"enterprise":9,"remote_id":"01020304"}}')).toBe(true, j);
    expect(has(j, '"name":"Client Link-Layer Address","rfc":"RFC 6939","off":32,"len":8,"fields":{"hw_type":1,"lladdr":"aa:bb:cc:dd:ee:ff"}}')).toBe(true, j);
    expect(has(j, '"name":"Relay Source Port","rfc":"RFC 8357","off":44,"len":2,"fields":{"port":8738}}')).toBe(true, j);
    expect(has(j, '"name":"Echo Request","rfc":"RFC 4994","off":50,"len":2,"fields":{"codes":[{"code":37,"name":"Remote-Id"}]}}')).toBe(true, j);
  });

  it("Client FQDN: flags, partial name, N and S both set", () => {
    const j = inspectVec(bytes([
      0x03, 0x00, 0x00, 0x01, // msg-type: Request, transaction-id 1
      0x00, 0x27, 0x00, 0x06, // option-code: Client FQDN, option-len: 6
      0x05, // flags: N and S
      0x04, 0x68, 0x6f, 0x73, 0x74, // label "host", no root label: partial
    ]));
    expect(has(j, '"fields":{"flags":5,"s":true,"o":false,"n":true,"name":"host","partial":true},"errors":[{"off":8,"len":1,"error":"flags N and S both set (RFC 4704 4.1)"}]')).toBe(true, j);
  });

  it("NTP Server suboptions (RFC 5908): address, FQDN, unknown", () => {
    const j = inspectVec(bytes(withAddr([
      0x07, 0x00, 0x00, 0x01, // msg-type: Reply, transaction-id 1
      0x00, 0x38, 0x00, 0x2a, // option-code: NTP Server, option-len: 42
      0x00, 0x01, 0x00, 0x10, // suboption: NTP_SUBOPTION_SRV_ADDR, length 16
    ], [ // 2001:db8::1
      0x00, 0x03, 0x00, 0x0d, // suboption: NTP_SUBOPTION_SRV_FQDN, length 13
      0x03, 0x6c, 0x61, 0x62, 0x07, 0x65, 0x78, 0x61, 0x6d, 0x70, 0x6c, 0x65, 0x00, // lab.example
      0x00, 0x09, 0x00, 0x01, 0xff, // suboption 9 (unassigned), length 1
    ])));
    expect(has(j, '{"code":56,"name":"NTP Server","rfc":"RFC 5908","off":4,"len":42,"fields":{},"options":[' +
      '{"code":1,"name":"NTP Server Address","rfc":"RFC 5908 4.1","off":8,"len":16,"fields":{"addr":"2001:db8::1"}},' +
      '{"code":3,"name":"NTP Server FQDN","rfc":"RFC 5908 4.3","off":28,"len":13,"fields":{"name":"lab.example"}},' +
      '{"code":9,"name":"Unknown","off":45,"len":1,"fields":{"data":"ff"}}]}')).toBe(true, j);
  });

  it("AFTR Name with a stray byte, POSIX Timezone, Captive Portal, IA_TA", () => {
    const j = inspectVec(bytes([
      0x07, 0x00, 0x00, 0x01, // msg-type: Reply, transaction-id 1
      0x00, 0x40, 0x00, 0x0f, // option-code: AFTR Name, option-len: 15
      0x04, 0x61, 0x66, 0x74, 0x72, 0x07, 0x65, 0x78, 0x61, 0x6d, 0x70, 0x6c, 0x65, 0x00, // aftr.example
      0xff, // one byte too many
      0x00, 0x29, 0x00, 0x07, 0x45, 0x53, 0x54, 0x35, 0x45, 0x44, 0x54, // POSIX Timezone: "EST5EDT"
      0x00, 0x67, 0x00, 0x05, 0x68, 0x74, 0x74, 0x70, 0x3a, // Captive Portal: "http:"
      0x00, 0x04, 0x00, 0x04, 0x00, 0x00, 0x00, 0x01, // IA_TA: IAID 1
    ]));
    expect(has(j, '"fields":{"name":"aftr.example"},"errors":[{"off":22,"len":1,"error":"1 byte after the domain name"}]')).toBe(true, j);
    expect(has(j, '"name":"POSIX Timezone","rfc":"RFC 4833","off":23,"len":7,"fields":{"text":"EST5EDT"}}')).toBe(true, j);
    expect(has(j, '"name":"Captive Portal","rfc":"RFC 8910","off":34,"len":5,"fields":{"text":"http:"}}')).toBe(true, j);
    expect(has(j, '{"code":4,"name":"IA_TA","rfc":"RFC 8415 21.5","off":43,"len":4,"fields":{"iaid":1},"options":[]}')).toBe(true, j);
  });

  it("IA_PD with T1 > T2 holding an IA Prefix with preferred > valid and a /129", () => {
    const j = inspectVec(bytes(withAddr([
      0x07, 0x00, 0x00, 0x01, // msg-type: Reply, transaction-id 1
      0x00, 0x19, 0x00, 0x29, // option-code: IA_PD, option-len: 41
      0x00, 0x00, 0x00, 0x01, // IAID: 1
      0x00, 0x00, 0x07, 0xd0, // T1: 2000
      0x00, 0x00, 0x03, 0xe8, // T2: 1000
      0x00, 0x1a, 0x00, 0x19, // option-code: IA Prefix, option-len: 25
      0x00, 0x00, 0x00, 0x64, // preferred-lifetime: 100
      0x00, 0x00, 0x00, 0x32, // valid-lifetime: 50
      0x81, // prefix-length: 129
    ], [])));
    expect(has(j, '"fields":{"iaid":1,"t1":2000,"t2":1000},"options":[{"code":26,"name":"IA Prefix","rfc":"RFC 8415 21.22","off":20,"len":25,' +
      '"fields":{"preferred":100,"valid":50,"prefix_len":129,"prefix":"2001:db8::1"},"options":[],"errors":[' +
      '{"off":24,"len":8,"error":"preferred lifetime 100 is greater than valid lifetime 50 (RFC 8415 21.6: discarded)"},' +
      '{"off":32,"len":1,"error":"prefix length 129 exceeds 128"}]}],"errors":[' +
      '{"off":12,"len":8,"error":"T1 2000 is greater than T2 1000 (RFC 8415 21.4: the IA is discarded)"}]}')).toBe(true, j);
  });

  it("Authentication with a Reconfigure Key too short", () => {
    const j = inspectVec(bytes([
      0x07, 0x00, 0x00, 0x01, // msg-type: Reply, transaction-id 1
      0x00, 0x0b, 0x00, 0x0c, // option-code: Authentication, option-len: 12
      0x03, 0x01, 0x00, // protocol: Reconfigure Key, algorithm: HMAC-MD5, RDM: counter
      0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, // replay detection
      0x01, // information type: Reconfigure Key value, and no value
    ]));
    expect(has(j, '"replay":"0000000000000001","info":"01","info_type":1,"info_type_name":"Reconfigure Key value","info_value":""},"errors":[{"off":19,"len":1,"error":"Reconfigure Key information type 1 needs 17 bytes (type and 16-byte value), has 1"}]')).toBe(true, j);
  });

  it("DUID-EN, DUID-UUID, and a DUID-LLT too short", () => {
    const j = inspectVec(bytes([
      0x07, 0x00, 0x00, 0x01, // msg-type: Reply, transaction-id 1
      0x00, 0x02, 0x00, 0x0a, // option-code: Server Identifier, option-len: 10
      0x00, 0x02, 0x00, 0x00, 0x00, 0x09, 0x01, 0x02, 0x03, 0x04, // DUID-EN: enterprise 9, identifier 01020304
      0x00, 0x01, 0x00, 0x12, // option-code: Client Identifier, option-len: 18
      0x00, 0x04, // DUID-UUID
      0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff, // UUID
      0x00, 0x01, 0x00, 0x06, // option-code: Client Identifier, option-len: 6
      0x00, 0x01, 0x00, 0x01, 0x00, 0x00, // DUID-LLT: hardware type 1, half a time
    ]));
    expect(has(j, '"fields":{"duid":"00020000000901020304","type":2,"type_name":"DUID-EN","enterprise":9,"id":"01020304"}')).toBe(true, j);
    expect(has(j, '"fields":{"duid":"000400112233445566778899aabbccddeeff","type":4,"type_name":"DUID-UUID","uuid":"00112233-4455-6677-8899-aabbccddeeff"}')).toBe(true, j);
    expect(has(j, '"fields":{"duid":"000100010000","type":1,"type_name":"DUID-LLT"},"errors":[{"off":44,"len":6,"error":"DUID-LLT needs at least 8 bytes, has 6"}]')).toBe(true, j);
  });

  it("a DUID longer than 130 bytes is refused by the table", () => {
    const v: u8[] = [
      0x01, 0x00, 0x00, 0x01, // msg-type: Solicit, transaction-id 1
      0x00, 0x01, 0x00, 0x83, // option-code: Client Identifier, option-len: 131
    ];
    for (let i = 0; i < 131; i++) v.push(0);
    const j = inspectVec(bytes(v));
    expect(has(j, '"errors":[{"off":4,"len":135,"error":"Client Identifier allows at most 130 bytes, has 131"}]')).toBe(true, j);
  });
});
