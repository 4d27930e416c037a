{
  "targets": [
    {
      "target_name": "lvs_native",
      "sources": ["src/lvs_native.c"],
      "cflags": ["-std=c11", "-Wall", "-Wextra", "-Werror", "-O2"],
      "defines": ["_GNU_SOURCE", "NAPI_VERSION=8"]
    }
  ]
}
