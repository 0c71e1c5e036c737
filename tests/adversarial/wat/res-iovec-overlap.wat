;; One fd_write whose 32 767 iovecs all name the same 64 KiB of memory: 2 GiB of output from 8 pages. Exits with
;; fd_write's errno (0 when the host took it), after printing nwritten in hex-free form as the exit code's partner:
;; nwritten is left at address 8 for nobody; the host's cost is the point.
(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (memory (export "memory") 8)
  (func (export "_start")
    (local $i i32)
    (loop $fill
      (i32.store (i32.add (i32.const 131072) (i32.shl (local.get $i) (i32.const 3))) (i32.const 65536))
      (i32.store (i32.add (i32.const 131076) (i32.shl (local.get $i) (i32.const 3))) (i32.const 65536))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $fill (i32.lt_u (local.get $i) (i32.const 32767))))
    (call $proc_exit (call $fd_write (i32.const 1) (i32.const 131072) (i32.const 32767) (i32.const 8)))))
