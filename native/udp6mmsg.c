// udp6mmsg: batched UDP/IPv6 for the daemon (Linux), as a Node-API addon.
//
// node:dgram costs one wake-up, one recvmsg and one JS callback per datagram
// received, and one libuv request, one sendmsg and one callback per datagram
// sent. Here a socket readable wakes us once; recvmmsg(2) takes up to
// BATCH datagrams into one arena shared with JavaScript (no copy, no
// allocation), JavaScript handles them in one call and queues its replies
// into a second shared arena, and sendmmsg(2) sends them in one system call.
//
// The addon knows nothing about DHCPv6: it moves bytes and addresses. The
// JavaScript side is host/net/mmsg.ts; the arenas' layout is described there
// and must match the constants below.
//
// Build: scripts/build-native (gcc against Node's headers). Optional: without
// it the daemon uses node:dgram.

#define _GNU_SOURCE
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <node_api.h>
#include <uv.h>

#define BATCH 32          // datagrams per recvmmsg / sendmmsg
#define SLOT 65536        // bytes per datagram slot: any UDP payload fits
#define META 32           // bytes of metadata per slot
#define MAX_BATCHES 4     // recvmmsg calls per wake-up before yielding to the loop
#define MAX_FDS 65536     // socket table by fd (pointers; pages are touched only where fds are)

// Metadata of a slot (both arenas), in the machine's byte order:
//   0 u32 length   4 u16 port   6 u16 flags (recv: 1 = truncated)
//   8 u32 scope id (interface index)   12 i32 errno (send result)
//   16 16 bytes address
#define M_LEN 0
#define M_PORT 4
#define M_FLAGS 6
#define M_SCOPE 8
#define M_ERRNO 12
#define M_ADDR 16
#define FLAG_TRUNCATED 1

typedef struct {
  int fd;
  uv_poll_t poll;
  napi_ref callback;
  napi_async_context async;
  int polling;
} sock_t;

static uint8_t *recv_data, *recv_meta, *send_data, *send_meta;
static sock_t *socks[MAX_FDS];
static napi_env the_env;

#define CHECK(call)                                                    \
  do {                                                                 \
    if ((call) != napi_ok) {                                           \
      napi_throw_error(env, NULL, "udp6mmsg: " #call " failed");       \
      return NULL;                                                     \
    }                                                                  \
  } while (0)

static napi_value num(napi_env env, int64_t v) {
  napi_value r;
  napi_create_int64(env, v, &r);
  return r;
}

static int arg_int(napi_env env, napi_value v, int32_t *out) {
  return napi_get_value_int32(env, v, out) == napi_ok ? 0 : -1;
}

static sock_t *arg_sock(napi_env env, napi_value v) {
  int32_t fd;
  if (arg_int(env, v, &fd) || fd < 0 || fd >= MAX_FDS || !socks[fd]) {
    napi_throw_error(env, NULL, "udp6mmsg: not an open socket");
    return NULL;
  }
  return socks[fd];
}

static int arg_addr(napi_env env, napi_value v, struct in6_addr *out) {
  void *data;
  size_t len;
  napi_typedarray_type t;
  if (napi_get_typedarray_info(env, v, &t, &len, &data, NULL, NULL) != napi_ok || t != napi_uint8_array || len != 16) return -1;
  memcpy(out, data, 16);
  return 0;
}

// arenas() -> [recvData, recvMeta, sendData, sendMeta, BATCH, SLOT, META]
static napi_value arenas(napi_env env, napi_callback_info info) {
  (void)info;
  if (!recv_data) {
    recv_data = malloc((size_t)BATCH * SLOT);
    recv_meta = calloc(BATCH, META);
    send_data = malloc((size_t)BATCH * SLOT);
    send_meta = calloc(BATCH, META);
    if (!recv_data || !recv_meta || !send_data || !send_meta) {
      napi_throw_error(env, NULL, "udp6mmsg: out of memory");
      return NULL;
    }
  }
  napi_value out, ab;
  CHECK(napi_create_array_with_length(env, 7, &out));
  uint8_t *bufs[4] = {recv_data, recv_meta, send_data, send_meta};
  size_t sizes[4] = {(size_t)BATCH * SLOT, (size_t)BATCH * META, (size_t)BATCH * SLOT, (size_t)BATCH * META};
  for (int i = 0; i < 4; i++) {
    CHECK(napi_create_external_arraybuffer(env, bufs[i], sizes[i], NULL, NULL, &ab));
    CHECK(napi_set_element(env, out, i, ab));
  }
  CHECK(napi_set_element(env, out, 4, num(env, BATCH)));
  CHECK(napi_set_element(env, out, 5, num(env, SLOT)));
  CHECK(napi_set_element(env, out, 6, num(env, META)));
  return out;
}

// open() -> fd (an IPv6-only UDP socket with SO_REUSEADDR), or -errno
static napi_value open_socket(napi_env env, napi_callback_info info) {
  (void)info;
  int fd = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return num(env, -errno);
  if (fd >= MAX_FDS) {
    close(fd);
    return num(env, -EMFILE);
  }
  int one = 1;
  setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sock_t *s = calloc(1, sizeof *s);
  if (!s) {
    close(fd);
    return num(env, -ENOMEM);
  }
  s->fd = fd;
  socks[fd] = s;
  return num(env, fd);
}

// bind(fd, addr16, scope, port) -> 0 or -errno
static napi_value bind_socket(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value a[4];
  CHECK(napi_get_cb_info(env, info, &argc, a, NULL, NULL));
  sock_t *s = arg_sock(env, a[0]);
  if (!s) return NULL;
  struct sockaddr_in6 sa = {.sin6_family = AF_INET6};
  int32_t scope, port;
  if (arg_addr(env, a[1], &sa.sin6_addr) || arg_int(env, a[2], &scope) || arg_int(env, a[3], &port)) {
    napi_throw_type_error(env, NULL, "udp6mmsg.bind(fd, addr16, scope, port)");
    return NULL;
  }
  sa.sin6_scope_id = (uint32_t)scope;
  sa.sin6_port = htons((uint16_t)port);
  return num(env, bind(s->fd, (struct sockaddr *)&sa, sizeof sa) ? -errno : 0);
}

// option(fd, which, value[, group16]) -> 0 or -errno
//   which: 1 join group on interface `value`, 2 multicast loop, 3 multicast interface, 4 multicast hops, 5 leave group
static napi_value set_option(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value a[4];
  CHECK(napi_get_cb_info(env, info, &argc, a, NULL, NULL));
  sock_t *s = arg_sock(env, a[0]);
  if (!s) return NULL;
  int32_t which, value;
  if (arg_int(env, a[1], &which) || arg_int(env, a[2], &value)) {
    napi_throw_type_error(env, NULL, "udp6mmsg.option(fd, which, value[, group16])");
    return NULL;
  }
  int r;
  if (which == 1 || which == 5) {
    struct ipv6_mreq m;
    if (argc < 4 || arg_addr(env, a[3], &m.ipv6mr_multiaddr)) {
      napi_throw_type_error(env, NULL, "udp6mmsg.option: group must be 16 bytes");
      return NULL;
    }
    m.ipv6mr_interface = (unsigned)value;
    r = setsockopt(s->fd, IPPROTO_IPV6, which == 1 ? IPV6_JOIN_GROUP : IPV6_LEAVE_GROUP, &m, sizeof m);
  } else if (which == 2) {
    r = setsockopt(s->fd, IPPROTO_IPV6, IPV6_MULTICAST_LOOP, &value, sizeof value);
  } else if (which == 3) {
    r = setsockopt(s->fd, IPPROTO_IPV6, IPV6_MULTICAST_IF, &value, sizeof value);
  } else if (which == 4) {
    r = setsockopt(s->fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, &value, sizeof value);
  } else {
    napi_throw_range_error(env, NULL, "udp6mmsg.option: unknown option");
    return NULL;
  }
  return num(env, r ? -errno : 0);
}

static void put16(uint8_t *p, uint16_t v) { memcpy(p, &v, 2); }
static void put32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }
static uint32_t get32(const uint8_t *p) {
  uint32_t v;
  memcpy(&v, p, 4);
  return v;
}
static uint16_t get16(const uint8_t *p) {
  uint16_t v;
  memcpy(&v, p, 2);
  return v;
}

// One batch into the receive arena; returns the count, 0 when nothing waits, -errno.
static int receive_batch(int fd) {
  struct mmsghdr msgs[BATCH];
  struct iovec iov[BATCH];
  struct sockaddr_in6 from[BATCH];
  memset(msgs, 0, sizeof msgs);
  for (int i = 0; i < BATCH; i++) {
    iov[i].iov_base = recv_data + (size_t)i * SLOT;
    iov[i].iov_len = SLOT;
    msgs[i].msg_hdr.msg_iov = &iov[i];
    msgs[i].msg_hdr.msg_iovlen = 1;
    msgs[i].msg_hdr.msg_name = &from[i];
    msgs[i].msg_hdr.msg_namelen = sizeof from[i];
  }
  int n = recvmmsg(fd, msgs, BATCH, MSG_DONTWAIT, NULL);
  if (n < 0) return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? 0 : -errno;
  for (int i = 0; i < n; i++) {
    uint8_t *m = recv_meta + (size_t)i * META;
    put32(m + M_LEN, msgs[i].msg_len);
    put16(m + M_PORT, ntohs(from[i].sin6_port));
    put16(m + M_FLAGS, (msgs[i].msg_hdr.msg_flags & MSG_TRUNC) ? FLAG_TRUNCATED : 0);
    put32(m + M_SCOPE, from[i].sin6_scope_id);
    put32(m + M_ERRNO, 0);
    memcpy(m + M_ADDR, &from[i].sin6_addr, 16);
  }
  return n;
}

static void on_readable(uv_poll_t *handle, int status, int events) {
  (void)events;
  sock_t *s = handle->data;
  napi_env env = the_env;
  napi_handle_scope scope;
  if (napi_open_handle_scope(env, &scope) != napi_ok) return;
  napi_value cb, recv, argv[2];
  napi_get_reference_value(env, s->callback, &cb);
  napi_get_global(env, &recv);
  for (int b = 0; b < MAX_BATCHES && s->polling; b++) {
    int n = status < 0 ? status : receive_batch(s->fd);
    if (n == 0) break;
    argv[0] = num(env, n);  // < 0: an error, -errno
    argv[1] = num(env, s->fd);
    napi_value result;
    napi_status st = napi_make_callback(env, s->async, recv, cb, 2, argv, &result);
    if (st == napi_pending_exception) {
      napi_value err;
      napi_get_and_clear_last_exception(env, &err);
      napi_fatal_exception(env, err);
      break;
    }
    if (st != napi_ok) napi_fatal_error("udp6mmsg", NAPI_AUTO_LENGTH, "napi_make_callback failed", NAPI_AUTO_LENGTH);
    if (n < 0 || n < BATCH) break;
  }
  napi_close_handle_scope(env, scope);
}

// start(fd, callback(n, fd)) -> 0 or -errno. The callback runs once per batch.
static napi_value start(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value a[2];
  CHECK(napi_get_cb_info(env, info, &argc, a, NULL, NULL));
  sock_t *s = arg_sock(env, a[0]);
  if (!s) return NULL;
  if (s->polling) return num(env, 0);
  uv_loop_t *loop;
  CHECK(napi_get_uv_event_loop(env, &loop));
  CHECK(napi_create_reference(env, a[1], 1, &s->callback));
  napi_value name;
  CHECK(napi_create_string_utf8(env, "udp6mmsg", NAPI_AUTO_LENGTH, &name));
  CHECK(napi_async_init(env, NULL, name, &s->async));
  int r = uv_poll_init(loop, &s->poll, s->fd);
  if (r) return num(env, r);
  s->poll.data = s;
  r = uv_poll_start(&s->poll, UV_READABLE, on_readable);
  if (r) return num(env, r);
  s->polling = 1;
  the_env = env;
  return num(env, 0);
}

static void on_closed(uv_handle_t *h) {
  sock_t *s = h->data;
  close(s->fd);
  free(s);
}

// close(fd): stops polling and closes the socket (after libuv lets go of it).
static napi_value close_socket(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value a[1];
  CHECK(napi_get_cb_info(env, info, &argc, a, NULL, NULL));
  sock_t *s = arg_sock(env, a[0]);
  if (!s) return NULL;
  socks[s->fd] = NULL;
  if (s->polling) {
    s->polling = 0;
    uv_poll_stop(&s->poll);
    napi_delete_reference(env, s->callback);
    napi_async_destroy(env, s->async);
    uv_close((uv_handle_t *)&s->poll, on_closed);
  } else {
    close(s->fd);
    free(s);
  }
  return num(env, 0);
}

// flush(fd, count): sends send-arena slots 0..count-1 with sendmmsg. Returns
// the number of datagrams that failed; each slot's errno field says (0 = sent).
static napi_value flush(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value a[2];
  CHECK(napi_get_cb_info(env, info, &argc, a, NULL, NULL));
  sock_t *s = arg_sock(env, a[0]);
  if (!s) return NULL;
  int32_t count;
  if (arg_int(env, a[1], &count) || count < 0 || count > BATCH) {
    napi_throw_range_error(env, NULL, "udp6mmsg.flush: bad count");
    return NULL;
  }
  struct mmsghdr msgs[BATCH];
  struct iovec iov[BATCH];
  struct sockaddr_in6 to[BATCH];
  memset(msgs, 0, sizeof msgs);
  memset(to, 0, sizeof to);
  for (int i = 0; i < count; i++) {
    uint8_t *m = send_meta + (size_t)i * META;
    uint32_t len = get32(m + M_LEN);
    iov[i].iov_base = send_data + (size_t)i * SLOT;
    iov[i].iov_len = len > SLOT ? SLOT : len;
    to[i].sin6_family = AF_INET6;
    to[i].sin6_port = htons(get16(m + M_PORT));
    to[i].sin6_scope_id = get32(m + M_SCOPE);
    memcpy(&to[i].sin6_addr, m + M_ADDR, 16);
    msgs[i].msg_hdr.msg_iov = &iov[i];
    msgs[i].msg_hdr.msg_iovlen = 1;
    msgs[i].msg_hdr.msg_name = &to[i];
    msgs[i].msg_hdr.msg_namelen = sizeof to[i];
    put32(m + M_ERRNO, 0);
  }
  int failed = 0;
  for (int i = 0; i < count;) {
    int n = sendmmsg(s->fd, msgs + i, (unsigned)(count - i), 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      // The datagram at i failed; go on with the next one.
      put32(send_meta + (size_t)i * META + M_ERRNO, (uint32_t)errno);
      failed++;
      i++;
    } else {
      i += n;
    }
  }
  return num(env, failed);
}

// ifindex(name) -> the interface index, 0 when there is none
static napi_value ifindex(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value a[1];
  char name[IF_NAMESIZE + 1];
  size_t len;
  CHECK(napi_get_cb_info(env, info, &argc, a, NULL, NULL));
  if (napi_get_value_string_utf8(env, a[0], name, sizeof name, &len) != napi_ok) {
    napi_throw_type_error(env, NULL, "udp6mmsg.ifindex(name)");
    return NULL;
  }
  return num(env, if_nametoindex(name));
}

// ifname(index) -> the interface name, "" when there is none
static napi_value ifname(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value a[1], r;
  int32_t index;
  char name[IF_NAMESIZE] = "";
  CHECK(napi_get_cb_info(env, info, &argc, a, NULL, NULL));
  if (argc < 1 || arg_int(env, a[0], &index)) {
    napi_throw_type_error(env, NULL, "udp6mmsg.ifname(index)");
    return NULL;
  }
  if (index <= 0 || !if_indextoname((unsigned)index, name)) name[0] = 0;
  CHECK(napi_create_string_utf8(env, name, NAPI_AUTO_LENGTH, &r));
  return r;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor d[] = {
      {"arenas", NULL, arenas, NULL, NULL, NULL, napi_default, NULL},
      {"open", NULL, open_socket, NULL, NULL, NULL, napi_default, NULL},
      {"bind", NULL, bind_socket, NULL, NULL, NULL, napi_default, NULL},
      {"option", NULL, set_option, NULL, NULL, NULL, napi_default, NULL},
      {"start", NULL, start, NULL, NULL, NULL, napi_default, NULL},
      {"close", NULL, close_socket, NULL, NULL, NULL, napi_default, NULL},
      {"flush", NULL, flush, NULL, NULL, NULL, napi_default, NULL},
      {"ifindex", NULL, ifindex, NULL, NULL, NULL, napi_default, NULL},
      {"ifname", NULL, ifname, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, sizeof d / sizeof d[0], d);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
