/*
 * lvs_native: the few Linux system calls the project needs and npm packages do not offer.
 * Each function checks its argument count, types and buffer lengths, makes one system call
 * and returns; failures throw an Error carrying { code, errno, syscall }. No policy lives here:
 * frames are built in TypeScript (src/net/frames.ts) and src/net/native.ts is the only loader.
 *
 *   openPacket(ifindex, protocol) -> fd     socket(AF_PACKET, SOCK_RAW) + bind(sockaddr_ll)
 *   sendFrame(fd, frame)          -> bytes  send(2) of a whole Ethernet frame
 *   close(fd)                     -> undefined
 */
#include <node_api.h>

#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_ARGS 2
#define ETH_FRAME_MIN 14
#define ETH_FRAME_MAX 65535

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
  bool is_buffer = false;
  void *data = NULL;
  size_t len = 0;
  NAPI_CALL(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  ASSERT_ARGC(env, argc, 2);
  if (!get_uint(env, argv[0], INT32_MAX, &fd)) {
    napi_throw_type_error(env, "LVS_NATIVE_ARGS", "fd must be a non-negative integer");
    return NULL;
  }
  NAPI_CALL(env, napi_is_buffer(env, argv[1], &is_buffer));
  if (!is_buffer) {
    napi_throw_type_error(env, "LVS_NATIVE_ARGS", "frame must be a Buffer");
    return NULL;
  }
  NAPI_CALL(env, napi_get_buffer_info(env, argv[1], &data, &len));
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
  if (!get_uint(env, argv[0], INT32_MAX, &fd)) {
    napi_throw_type_error(env, "LVS_NATIVE_ARGS", "fd must be a non-negative integer");
    return NULL;
  }
  if (close(fd) < 0) return throw_errno(env, errno, "close");
  return NULL;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"openPacket", NULL, open_packet, NULL, NULL, NULL, napi_enumerable, NULL},
      {"sendFrame", NULL, send_frame, NULL, NULL, NULL, napi_enumerable, NULL},
      {"close", NULL, close_fd, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  NAPI_CALL(env, napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props));
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
