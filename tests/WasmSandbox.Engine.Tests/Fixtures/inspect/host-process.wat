;; Uses the sandbox's host_process module, which is linked only under -PermissionTier Full.
(module
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (import "host_process" "proc_sigaction" (func $proc_sigaction (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "_start")
    (drop (call $proc_sigaction (i32.const 2) (i32.const 1)))))
