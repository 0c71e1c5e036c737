;; Event flood: zero-length writes to stderr (fd 2), forever. Each costs the host nothing in data bytes, so a queue that
;; counts only data never makes the guest wait.
(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "_start")
    (i32.store (i32.const 0) (i32.const 1024)) (i32.store (i32.const 4) (i32.const 0))
    (loop $l (drop (call $fd_write (i32.const 2) (i32.const 0) (i32.const 1) (i32.const 8))) (br $l))))
