// The floor of any DHCPv6 server on this machine: a C program that answers
// perfdhcp's Solicit with an Advertise and its Request with a Reply (Client ID
// echoed, a fixed Server ID, an IA_NA with a counter address), with no
// validation, no state, no logging, batched with recvmmsg/sendmmsg. What it
// reaches is what perfdhcp and the kernel allow on this machine: no server can
// show a higher clean rate here. Built and run by bench/lab-bench.ts:
//   cc -O2 -o floor-responder bench/floor-responder.c && floor-responder IFNAME

#define _GNU_SOURCE
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#define BATCH 64
#define MAX_DATAGRAM 1500

static const uint8_t SERVER_ID[] = {0, 2, 0, 10, 0, 3, 0, 1, 2, 0, 0, 0, 0, 1};
static uint32_t counter = 0x100;

static void put16(uint8_t *p, uint16_t v) { p[0] = v >> 8; p[1] = v; }
static void put32(uint8_t *p, uint32_t v) { p[0] = v >> 24; p[1] = v >> 16; p[2] = v >> 8; p[3] = v; }

// The reply to `m` in `out`; its length, 0 for no reply.
static int answer(const uint8_t *m, int n, uint8_t *out) {
  if (n < 4 || (m[0] != 1 && m[0] != 3)) return 0;
  const uint8_t *client_id = NULL;
  int client_id_len = 0;
  uint32_t iaid = 0;
  for (int p = 4; p + 4 <= n;) {
    int code = m[p] << 8 | m[p + 1], len = m[p + 2] << 8 | m[p + 3];
    if (p + 4 + len > n) return 0;
    if (code == 1) client_id = m + p, client_id_len = 4 + len;
    else if (code == 3 && len >= 12) iaid = (uint32_t)m[p + 4] << 24 | m[p + 5] << 16 | m[p + 6] << 8 | m[p + 7];
    p += 4 + len;
  }
  if (!client_id || 4 + client_id_len + (int)sizeof SERVER_ID + 44 > MAX_DATAGRAM) return 0;
  out[0] = m[0] == 1 ? 2 : 7;  // Advertise / Reply
  memcpy(out + 1, m + 1, 3);   // transaction id
  int o = 4;
  memcpy(out + o, client_id, client_id_len), o += client_id_len;
  memcpy(out + o, SERVER_ID, sizeof SERVER_ID), o += sizeof SERVER_ID;
  put16(out + o, 3), put16(out + o + 2, 40);  // IA_NA
  put32(out + o + 4, iaid), put32(out + o + 8, 1000), put32(out + o + 12, 2000);
  put16(out + o + 16, 5), put16(out + o + 18, 24);  // IA Address 2001:db8:1::/96 + counter
  put32(out + o + 20, 0x20010db8), put32(out + o + 24, 0x00010000), put32(out + o + 28, 0), put32(out + o + 32, counter++);
  put32(out + o + 36, 3000), put32(out + o + 40, 4000);
  return o + 44;
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: floor-responder IFNAME\n");
    return 2;
  }
  unsigned ifindex = if_nametoindex(argv[1]);
  int s = socket(AF_INET6, SOCK_DGRAM, 0), one = 1;
  setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  struct sockaddr_in6 a = {.sin6_family = AF_INET6, .sin6_port = htons(547), .sin6_scope_id = ifindex};
  inet_pton(AF_INET6, "ff02::1:2", &a.sin6_addr);
  if (!ifindex || bind(s, (struct sockaddr *)&a, sizeof a)) {
    perror("floor-responder: bind");
    return 1;
  }
  struct ipv6_mreq mr = {.ipv6mr_interface = ifindex};
  inet_pton(AF_INET6, "ff02::1:2", &mr.ipv6mr_multiaddr);
  setsockopt(s, IPPROTO_IPV6, IPV6_JOIN_GROUP, &mr, sizeof mr);
  fprintf(stderr, "floor responder on %s\n", argv[1]);

  static uint8_t in[BATCH][MAX_DATAGRAM], out[BATCH][MAX_DATAGRAM];
  static struct sockaddr_in6 from[BATCH];
  static struct iovec in_iov[BATCH], out_iov[BATCH];
  static struct mmsghdr in_msgs[BATCH], out_msgs[BATCH];
  for (;;) {
    for (int i = 0; i < BATCH; i++) {
      in_iov[i] = (struct iovec){in[i], MAX_DATAGRAM};
      in_msgs[i] = (struct mmsghdr){.msg_hdr = {.msg_name = &from[i], .msg_namelen = sizeof from[i], .msg_iov = &in_iov[i], .msg_iovlen = 1}};
    }
    int n = recvmmsg(s, in_msgs, BATCH, MSG_WAITFORONE, NULL);
    if (n < 0) continue;
    int k = 0;
    for (int i = 0; i < n; i++) {
      int len = answer(in[i], (int)in_msgs[i].msg_len, out[k]);
      if (!len) continue;
      out_iov[k] = (struct iovec){out[k], (size_t)len};
      out_msgs[k] = (struct mmsghdr){.msg_hdr = {.msg_name = &from[i], .msg_namelen = sizeof from[i], .msg_iov = &out_iov[k], .msg_iovlen = 1}};
      k++;
    }
    if (k) sendmmsg(s, out_msgs, k, 0);
  }
}
