;; Table accounting: grows a funcref table by 200 000 000 elements (1.6 GB of host memory at 8 bytes each) and
;; exits 0 if the host granted it, 1 if table.grow failed.
(module
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (memory (export "memory") 1)
  (table 0 funcref)
  (func (export "_start")
    (call $proc_exit (i32.eq (table.grow 0 (ref.null func) (i32.const 200000000)) (i32.const -1)))))
