;; hello - the smallest useful WASI command: one fd_write of "hello, world\n"
;; to stdout, then a normal return from _start (exit status 0). Measures what
;; an execution costs the host when the guest itself costs nothing.
(module
  (import "wasi_snapshot_preview1" "fd_write"
    (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; iovec at 0: { buf = 16, len = 13 }; nwritten lands at 8.
  (data (i32.const 0) "\10\00\00\00\0d\00\00\00")
  (data (i32.const 16) "hello, world\n")
  (func (export "_start")
    (if (i32.ne (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)) (i32.const 0))
      (then unreachable))))
