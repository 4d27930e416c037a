/*
 * lvs_native: the few Linux system calls the project needs and npm packages do not offer.
 * Each function checks its argument count, types and buffer lengths, makes one system call
 * and returns; failures throw an Error carrying { code, errno, syscall }. No policy lives here:
 * frames are built in TypeScript (src/net/frames.ts) and src/net/native.ts is the only loader.
 *
 *   openPacket(ifindex, protocol) -> fd     socket(AF_PACKET, SOCK_RAW) + bind(sockaddr_ll)
 *   sendFrame(fd, frame)          -> bytes  send(2) of a whole Ethernet frame
 *   close(fd)                     -> undefined
 *   openRaw(family, protocol)     -> fd     socket(family, SOCK_RAW | SOCK_NONBLOCK)
 *   setOption(fd, level, name, value: Buffer)   setsockopt(2) with the caller's bytes
 *   recvMessage(fd, data, meta)   -> bytes | -1 (EAGAIN)   recvmsg(2); meta (40 bytes) receives
 *        [0,16) source address, [16,32) destination (IP[V6]_PKTINFO), [32,36) TTL / hop limit
 *        (int32 LE, -1 when absent), [36,40) ifindex (int32 LE, 0 when absent); IPv4
 *        addresses occupy the first 4 bytes of their field
 *   watch(fd, onReadable)         -> handle uv_poll_start(UV_READABLE); calls onReadable()
 *   unwatch(handle)               -> undefined  uv_poll_stop + uv_close
 *   attachFilter(fd, program)     -> undefined  setsockopt(SO_ATTACH_FILTER); program is an array
 *        of struct sock_filter (8 bytes each, host byte order) built in src/net/bpf.ts
 *   recvFrame(fd, data)           -> bytes | -1 (EAGAIN)   recv(2) of one frame, non-blocking
 *   sendTo(fd, data, address)     -> bytes  sendto(2) on a raw socket; address is 4 (AF_INET) or
 *        16 (AF_INET6) bytes, the port is 0
 */
#include <node_api.h>

#include <arpa/inet.h>
#include <errno.h>
#include <linux/filter.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <unistd.h>
#include <uv.h>

#define MAX_ARGS 4
#define META_LEN 40
#define ETH_FRAME_MIN 14
#define ETH_FRAME_MAX 65535
#define BPF_INSN_LEN 8
#define BPF_MAX_INSNS 4096

#define NAPI_CALL(env, call)                                                                      \
  do {                                                                                            \
    if ((call) != napi_ok) {                                                                      \
      napi_throw_error((env), "LVS_NATIVE_NAPI", "N-API call failed: " #call);                   \
      return NULL;                                                                                \
    }                                                                                             \
  } while (0)

#define ASSERT_ARGC(env, argc, n)                                                                 \
  do {                                                                                            \
    if ((argc) != (n)) {                                                                          \
      napi_throw_type_error((env), "LVS_NATIVE_ARGS", "wrong number of arguments");              \
      return NULL;                                                                                \
    }                                                                                             \
  } while (0)

static const char *errno_name(int err) {
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 32))
  const char *name = strerrorname_np(err);
  if (name != NULL) return name;
#endif
  (void)err;
  return "ESYSCALL";
}

/* Throws an Error with code (errno name), errno (number) and syscall, like Node's errors. */
static napi_value throw_errno(napi_env env, int err, const char *syscall) {
  napi_value msg, error, code, errnum, sc;
  char text[160];
  snprintf(text, sizeof(text), "%s failed: %s", syscall, strerror(err));
  if (napi_create_string_utf8(env, text, NAPI_AUTO_LENGTH, &msg) != napi_ok) return NULL;
  if (napi_create_error(env, NULL, msg, &error) != napi_ok) return NULL;
  if (napi_create_string_utf8(env, errno_name(err), NAPI_AUTO_LENGTH, &code) == napi_ok)
    napi_set_named_property(env, error, "code", code);
  if (napi_create_int32(env, err, &errnum) == napi_ok) napi_set_named_property(env, error, "errno", errnum);
  if (napi_create_string_utf8(env, syscall, NAPI_AUTO_LENGTH, &sc) == napi_ok)
    napi_set_named_property(env, error, "syscall", sc);
  napi_throw(env, error);
  return NULL;
}

/* Reads a non-negative int32 argument or throws a TypeError. */
static int get_uint(napi_env env, napi_value v, int32_t max, int32_t *out) {
  napi_valuetype t;
  if (napi_typeof(env, v, &t) != napi_ok || t != napi_number) return 0;
  if (napi_get_value_int32(env, v, out) != napi_ok) return 0;
  return *out >= 0 && *out <= max;
}

/* Reads a file descriptor argument or throws a TypeError; 0 when it threw. */
static int get_fd(napi_env env, napi_value v, int32_t *fd) {
  if (get_uint(env, v, INT32_MAX, fd)) return 1;
  napi_throw_type_error(env, "LVS_NATIVE_ARGS", "fd must be a non-negative integer");
  return 0;
}

/* Reads a Buffer argument or throws a TypeError naming it; 0 when it threw. */
static int get_buffer(napi_env env, napi_value v, const char *name, void **data, size_t *len) {
  bool is_buffer = false;
  if (napi_is_buffer(env, v, &is_buffer) == napi_ok && is_buffer &&
      napi_get_buffer_info(env, v, data, len) == napi_ok)
    return 1;
  char message[64];
  snprintf(message, sizeof message, "%s must be a Buffer", name);
  napi_throw_type_error(env, "LVS_NATIVE_ARGS", message);
  return 0;
}

static napi_value open_packet(napi_env env, napi_callback_info info) {
  size_t argc = MAX_ARGS;
  napi_value argv[MAX_ARGS], result;
  int32_t ifindex, protocol;
  NAPI_CALL(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  ASSERT_ARGC(env, argc, 2);
  if (!get_uint(env, argv[0], INT32_MAX, &ifindex) || ifindex == 0) {
    napi_throw_type_error(env, "LVS_NATIVE_ARGS", "ifindex must be a positive integer");
    return NULL;
  }
  if (!get_uint(env, argv[1], 0xffff, &protocol)) {
    napi_throw_type_error(env, "LVS_NATIVE_ARGS", "protocol must be an integer in 0..65535");
    return NULL;
  }
  int fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons((uint16_t)protocol));
  if (fd < 0) return throw_errno(env, errno, "socket");
  struct sockaddr_ll sll;
  memset(&sll, 0, sizeof(sll));
  sll.sll_family = AF_PACKET;
  sll.sll_protocol = htons((uint16_t)protocol);
  sll.sll_ifindex = ifindex;
  if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
    int err = errno;
    close(fd);
    return throw_errno(env, err, "bind");
  }
  NAPI_CALL(env, napi_create_int32(env, fd, &result));
  return result;
}

static napi_value send_frame(napi_env env, napi_callback_info info) {
  size_t argc = MAX_ARGS;
  napi_value argv[MAX_ARGS], result;
  int32_t fd;
  void *data = NULL;
  size_t len = 0;
  NAPI_CALL(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  ASSERT_ARGC(env, argc, 2);
  if (!get_fd(env, argv[0], &fd)) return NULL;
  if (!get_buffer(env, argv[1], "frame", &data, &len)) return NULL;
  if (len < ETH_FRAME_MIN || len > ETH_FRAME_MAX) {
    napi_throw_range_error(env, "LVS_NATIVE_ARGS", "frame length must be 14..65535 bytes");
    return NULL;
  }
  ssize_t n = send(fd, data, len, 0);
  if (n < 0) return throw_errno(env, errno, "send");
  NAPI_CALL(env, napi_create_int64(env, (int64_t)n, &result));
  return result;
}

static napi_value close_fd(napi_env env, napi_callback_info info) {
  size_t argc = MAX_ARGS;
  napi_value argv[MAX_ARGS];
  int32_t fd;
  NAPI_CALL(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  ASSERT_ARGC(env, argc, 1);
  if (!get_fd(env, argv[0], &fd)) return NULL;
  if (close(fd) < 0) return throw_errno(env, errno, "close");
  return NULL;
}


static napi_value open_raw(napi_env env, napi_callback_info info) {
  size_t argc = MAX_ARGS;
  napi_value argv[MAX_ARGS], result;
  int32_t family, protocol;
  NAPI_CALL(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  ASSERT_ARGC(env, argc, 2);
  if (!get_uint(env, argv[0], INT32_MAX, &family) || (family != AF_INET && family != AF_INET6)) {
    napi_throw_type_error(env, "LVS_NATIVE_ARGS", "family must be AF_INET or AF_INET6");
    return NULL;
  }
  if (!get_uint(env, argv[1], 255, &protocol)) {
    napi_throw_type_error(env, "LVS_NATIVE_ARGS", "protocol must be an integer in 0..255");
    return NULL;
  }
  int fd = socket(family, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, protocol);
  if (fd < 0) return throw_errno(env, errno, "socket");
  NAPI_CALL(env, napi_create_int32(env, fd, &result));
  return result;
}

static napi_value set_option(napi_env env, napi_callback_info info) {
  size_t argc = MAX_ARGS;
  napi_value argv[MAX_ARGS];
  int32_t fd, level, name;
  void *data = NULL;
  size_t len = 0;
  NAPI_CALL(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  ASSERT_ARGC(env, argc, 4);
  if (!get_uint(env, argv[0], INT32_MAX, &fd) || !get_uint(env, argv[1], INT32_MAX, &level) ||
      !get_uint(env, argv[2], INT32_MAX, &name)) {
    napi_throw_type_error(env, "LVS_NATIVE_ARGS", "fd, level and name must be non-negative integers");
    return NULL;
  }
  if (!get_buffer(env, argv[3], "value", &data, &len)) return NULL;
  if (len == 0 || len > 256) {
    napi_throw_range_error(env, "LVS_NATIVE_ARGS", "value must be 1..256 bytes");
    return NULL;
  }
  if (setsockopt(fd, level, name, data, (socklen_t)len) < 0) return throw_errno(env, errno, "setsockopt");
  return NULL;
}

static napi_value recv_message(napi_env env, napi_callback_info info) {
  size_t argc = MAX_ARGS;
  napi_value argv[MAX_ARGS], result;
  int32_t fd;
  void *data = NULL, *meta = NULL;
  size_t len = 0, meta_len = 0;
  NAPI_CALL(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  ASSERT_ARGC(env, argc, 3);
  if (!get_fd(env, argv[0], &fd)) return NULL;
  if (!get_buffer(env, argv[1], "data", &data, &len)) return NULL;
  if (!get_buffer(env, argv[2], "meta", &meta, &meta_len)) return NULL;
  if (len == 0 || meta_len != META_LEN) {
    napi_throw_range_error(env, "LVS_NATIVE_ARGS", "data must be non-empty and meta exactly 40 bytes");
    return NULL;
  }
  struct sockaddr_storage from;
  union {
    char buf[CMSG_SPACE(sizeof(struct in6_pktinfo)) + CMSG_SPACE(sizeof(int)) + 64];
    struct cmsghdr align;
  } control;
  struct iovec iov = {.iov_base = data, .iov_len = len};
  struct msghdr msg;
  memset(&msg, 0, sizeof(msg));
  msg.msg_name = &from;
  msg.msg_namelen = sizeof(from);
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control.buf;
  msg.msg_controllen = sizeof(control.buf);
  ssize_t n = recvmsg(fd, &msg, MSG_DONTWAIT);
  if (n < 0) {
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      NAPI_CALL(env, napi_create_int32(env, -1, &result));
      return result;
    }
    return throw_errno(env, errno, "recvmsg");
  }
  unsigned char *m = meta;
  int32_t ttl = -1, ifindex = 0;
  memset(m, 0, META_LEN);
  if (from.ss_family == AF_INET6) {
    memcpy(m, &((struct sockaddr_in6 *)&from)->sin6_addr, 16);
  } else if (from.ss_family == AF_INET) {
    memcpy(m, &((struct sockaddr_in *)&from)->sin_addr, 4);
  }
  for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c != NULL; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_HOPLIMIT && c->cmsg_len >= CMSG_LEN(sizeof(int))) {
      memcpy(&ttl, CMSG_DATA(c), sizeof(int));
    } else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO &&
               c->cmsg_len >= CMSG_LEN(sizeof(struct in6_pktinfo))) {
      struct in6_pktinfo pi;
      memcpy(&pi, CMSG_DATA(c), sizeof(pi));
      memcpy(m + 16, &pi.ipi6_addr, 16);
      ifindex = (int32_t)pi.ipi6_ifindex;
    } else if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_TTL && c->cmsg_len >= CMSG_LEN(sizeof(int))) {
      memcpy(&ttl, CMSG_DATA(c), sizeof(int));
    } else if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO &&
               c->cmsg_len >= CMSG_LEN(sizeof(struct in_pktinfo))) {
      struct in_pktinfo pi;
      memcpy(&pi, CMSG_DATA(c), sizeof(pi));
      memcpy(m + 16, &pi.ipi_addr, 4);
      ifindex = (int32_t)pi.ipi_ifindex;
    }
  }
  memcpy(m + 32, &ttl, 4);
  memcpy(m + 36, &ifindex, 4);
  NAPI_CALL(env, napi_create_int64(env, (int64_t)n, &result));
  return result;
}

/* A uv_poll watching one fd; freed in its close callback. */
typedef struct {
  uv_poll_t poll;
  napi_env env;
  napi_ref callback;
  napi_async_context context;
  int closing;
} watcher_t;

static void on_poll_closed(uv_handle_t *handle) {
  watcher_t *w = (watcher_t *)handle->data;
  free(w);
}

static void on_poll(uv_poll_t *poll, int status, int events) {
  watcher_t *w = (watcher_t *)poll->data;
  (void)status;
  (void)events;
  if (w->closing) return;
  napi_handle_scope scope;
  napi_value callback, global, ignored;
  if (napi_open_handle_scope(w->env, &scope) != napi_ok) return;
  if (napi_get_reference_value(w->env, w->callback, &callback) == napi_ok && callback != NULL &&
      napi_get_global(w->env, &global) == napi_ok) {
    napi_make_callback(w->env, w->context, global, callback, 0, NULL, &ignored);
  }
  napi_close_handle_scope(w->env, scope);
}

static void finalize_watcher(napi_env env, void *data, void *hint) {
  (void)env;
  (void)data;
  (void)hint;
}

static napi_value watch_fd(napi_env env, napi_callback_info info) {
  size_t argc = MAX_ARGS;
  napi_value argv[MAX_ARGS], result, name;
  int32_t fd;
  napi_valuetype t;
  uv_loop_t *loop = NULL;
  NAPI_CALL(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  ASSERT_ARGC(env, argc, 2);
  if (!get_fd(env, argv[0], &fd)) return NULL;
  NAPI_CALL(env, napi_typeof(env, argv[1], &t));
  if (t != napi_function) {
    napi_throw_type_error(env, "LVS_NATIVE_ARGS", "onReadable must be a function");
    return NULL;
  }
  NAPI_CALL(env, napi_get_uv_event_loop(env, &loop));
  watcher_t *w = calloc(1, sizeof(*w));
  if (w == NULL) return throw_errno(env, ENOMEM, "calloc");
  w->env = env;
  w->poll.data = w;
  if (napi_create_reference(env, argv[1], 1, &w->callback) != napi_ok ||
      napi_create_string_utf8(env, "lvs_native.watch", NAPI_AUTO_LENGTH, &name) != napi_ok ||
      napi_async_init(env, NULL, name, &w->context) != napi_ok) {
    free(w);
    napi_throw_error(env, "LVS_NATIVE_NAPI", "cannot create the watch callback");
    return NULL;
  }
  int rc = uv_poll_init_socket(loop, &w->poll, fd);
  if (rc == 0) rc = uv_poll_start(&w->poll, UV_READABLE, on_poll);
  if (rc != 0) {
    napi_delete_reference(env, w->callback);
    napi_async_destroy(env, w->context);
    free(w);
    return throw_errno(env, -rc, "uv_poll_start");
  }
  NAPI_CALL(env, napi_create_external(env, w, finalize_watcher, NULL, &result));
  return result;
}

static napi_value unwatch_fd(napi_env env, napi_callback_info info) {
  size_t argc = MAX_ARGS;
  napi_value argv[MAX_ARGS];
  napi_valuetype t;
  void *data = NULL;
  NAPI_CALL(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  ASSERT_ARGC(env, argc, 1);
  NAPI_CALL(env, napi_typeof(env, argv[0], &t));
  if (t != napi_external) {
    napi_throw_type_error(env, "LVS_NATIVE_ARGS", "handle must come from watch()");
    return NULL;
  }
  NAPI_CALL(env, napi_get_value_external(env, argv[0], &data));
  watcher_t *w = data;
  if (w == NULL || w->closing) return NULL;
  w->closing = 1;
  uv_poll_stop(&w->poll);
  napi_delete_reference(env, w->callback);
  napi_async_destroy(env, w->context);
  uv_close((uv_handle_t *)&w->poll, on_poll_closed);
  return NULL;
}

static napi_value attach_filter(napi_env env, napi_callback_info info) {
  size_t argc = MAX_ARGS;
  napi_value argv[MAX_ARGS];
  int32_t fd;
  void *data = NULL;
  size_t len = 0;
  NAPI_CALL(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  ASSERT_ARGC(env, argc, 2);
  if (!get_fd(env, argv[0], &fd)) return NULL;
  if (!get_buffer(env, argv[1], "program", &data, &len)) return NULL;
  if (len == 0 || len % BPF_INSN_LEN != 0 || len / BPF_INSN_LEN > BPF_MAX_INSNS) {
    napi_throw_range_error(env, "LVS_NATIVE_ARGS", "program must be 1..4096 instructions of 8 bytes");
    return NULL;
  }
  /* The Buffer's bytes are copied: setsockopt copies the program into the kernel. */
  struct sock_filter *insns = malloc(len);
  if (insns == NULL) return throw_errno(env, ENOMEM, "malloc");
  memcpy(insns, data, len);
  struct sock_fprog prog = {.len = (unsigned short)(len / BPF_INSN_LEN), .filter = insns};
  int rc = setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog));
  int err = errno;
  free(insns);
  if (rc < 0) return throw_errno(env, err, "setsockopt");
  return NULL;
}

static napi_value recv_frame(napi_env env, napi_callback_info info) {
  size_t argc = MAX_ARGS;
  napi_value argv[MAX_ARGS], result;
  int32_t fd;
  void *data = NULL;
  size_t len = 0;
  NAPI_CALL(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  ASSERT_ARGC(env, argc, 2);
  if (!get_fd(env, argv[0], &fd)) return NULL;
  if (!get_buffer(env, argv[1], "data", &data, &len)) return NULL;
  if (len < ETH_FRAME_MIN) {
    napi_throw_range_error(env, "LVS_NATIVE_ARGS", "data must hold at least 14 bytes");
    return NULL;
  }
  ssize_t n = recv(fd, data, len, MSG_DONTWAIT);
  if (n < 0) {
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      NAPI_CALL(env, napi_create_int32(env, -1, &result));
      return result;
    }
    return throw_errno(env, errno, "recv");
  }
  NAPI_CALL(env, napi_create_int64(env, (int64_t)n, &result));
  return result;
}

static napi_value send_to(napi_env env, napi_callback_info info) {
  size_t argc = MAX_ARGS;
  napi_value argv[MAX_ARGS], result;
  int32_t fd;
  void *data = NULL, *addr = NULL;
  size_t len = 0, addr_len = 0;
  NAPI_CALL(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  ASSERT_ARGC(env, argc, 3);
  if (!get_fd(env, argv[0], &fd)) return NULL;
  if (!get_buffer(env, argv[1], "data", &data, &len)) return NULL;
  if (!get_buffer(env, argv[2], "address", &addr, &addr_len)) return NULL;
  if (len == 0 || len > ETH_FRAME_MAX || (addr_len != 4 && addr_len != 16)) {
    napi_throw_range_error(env, "LVS_NATIVE_ARGS", "data must be 1..65535 bytes and address 4 or 16 bytes");
    return NULL;
  }
  struct sockaddr_storage to;
  socklen_t to_len;
  memset(&to, 0, sizeof(to));
  if (addr_len == 4) {
    struct sockaddr_in *sin = (struct sockaddr_in *)&to;
    sin->sin_family = AF_INET;
    memcpy(&sin->sin_addr, addr, 4);
    to_len = sizeof(*sin);
  } else {
    struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&to;
    sin6->sin6_family = AF_INET6;
    memcpy(&sin6->sin6_addr, addr, 16);
    to_len = sizeof(*sin6);
  }
  ssize_t n = sendto(fd, data, len, MSG_DONTWAIT, (struct sockaddr *)&to, to_len);
  if (n < 0) return throw_errno(env, errno, "sendto");
  NAPI_CALL(env, napi_create_int64(env, (int64_t)n, &result));
  return result;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"openPacket", NULL, open_packet, NULL, NULL, NULL, napi_enumerable, NULL},
      {"sendFrame", NULL, send_frame, NULL, NULL, NULL, napi_enumerable, NULL},
      {"close", NULL, close_fd, NULL, NULL, NULL, napi_enumerable, NULL},
      {"openRaw", NULL, open_raw, NULL, NULL, NULL, napi_enumerable, NULL},
      {"setOption", NULL, set_option, NULL, NULL, NULL, napi_enumerable, NULL},
      {"recvMessage", NULL, recv_message, NULL, NULL, NULL, napi_enumerable, NULL},
      {"watch", NULL, watch_fd, NULL, NULL, NULL, napi_enumerable, NULL},
      {"unwatch", NULL, unwatch_fd, NULL, NULL, NULL, napi_enumerable, NULL},
      {"attachFilter", NULL, attach_filter, NULL, NULL, NULL, napi_enumerable, NULL},
      {"recvFrame", NULL, recv_frame, NULL, NULL, NULL, napi_enumerable, NULL},
      {"sendTo", NULL, send_to, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  NAPI_CALL(env, napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props));
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
