;; trap - a WASI command that writes one line to stdout and then traps.
;;
;; For tests of trap reporting: the host should deliver "about to trap\n",
;; then report a wasm `unreachable` trap whose backtrace names $crash
;; (tools/Build-Guests.ps1 runs wat2wasm with --debug-names to keep it).
(module
  (import "wasi_snapshot_preview1" "fd_write"
    (func $fd_write (param i32 i32 i32 i32) (result i32)))

  (memory (export "memory") 1)

  ;; iovec at 0: { buf = 16, len = 14 }; the message itself at 16.
  (data (i32.const 0) "\10\00\00\00\0e\00\00\00")
  (data (i32.const 16) "about to trap\n")

  (func $crash
    unreachable)

  (func (export "_start")
    ;; fd_write(fd = 1, iovs = 0, iovs_len = 1, nwritten = 8); the result is
    ;; ignored because the trap follows either way.
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
    (call $crash)))
