;; A very long iovec walk: grows memory as far as it may, then calls fd_write on stdout with one zero-length iovec
;; per 8 bytes of memory (every entry {0, 0}), again and again. Each call walks the whole memory inside the host.
(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "_start")
    (local $n i32)
    (block $full (loop $grow
      (br_if $full (i32.eq (memory.grow (i32.const 1024)) (i32.const -1)))
      (br $grow)))
    ;; entries = pages * 65536 / 8, less one so the nwritten slot (at 8) overlaps nothing that matters.
    (local.set $n (i32.sub (i32.shl (memory.size) (i32.const 13)) (i32.const 1)))
    (loop $l (drop (call $fd_write (i32.const 1) (i32.const 0) (local.get $n) (i32.const 8))) (br $l))))
