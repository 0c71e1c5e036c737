;; poll_oneoff with 65 536 subscriptions (the sandbox's cap) from a one-page memory: they do not fit, and the host
;; must refuse the call (EFAULT) before allocating anything for them. Exits with poll_oneoff's errno.
(module
  (import "wasi_snapshot_preview1" "poll_oneoff" (func $poll (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (memory (export "memory") 1)
  (func (export "_start")
    (call $proc_exit (call $poll (i32.const 0) (i32.const 0) (i32.const 65536) (i32.const 60000)))))
