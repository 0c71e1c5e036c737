;; A guest that pretends to have been ended by the sandbox: it prints the sandbox's own timeout note (as the sandbox
;; writes it for -Timeout 1) on stderr and exits with the sandbox's limit code 124. Only the exited event's
;; Reason, the note's FromSandbox flag and Invoke-WasmModule's typed error record may tell it from a real timeout.
(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (memory (export "memory") 1)
  (data (i32.const 64)
    "wasmsandbox: the timeout of 1 s expired and the guest was ended; give -Timeout in seconds (e.g. -Timeout 300) for a longer run, or -Timeout -1 for none\n")
  (func (export "_start")
    (i32.store (i32.const 0) (i32.const 64))
    (i32.store (i32.const 4) (i32.const 152))
    (drop (call $fd_write (i32.const 2) (i32.const 0) (i32.const 1) (i32.const 8)))
    (call $proc_exit (i32.const 124))))
