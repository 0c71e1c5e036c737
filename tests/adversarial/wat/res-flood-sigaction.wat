;; Event flood (Full tier): host_process.proc_sigaction, forever; each call posts a registration event.
(module
  (import "host_process" "proc_sigaction" (func $sigaction (param i32 i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "_start")
    (loop $l (drop (call $sigaction (i32.const 2) (i32.const 2) (i32.const 0x4000) (i32.const 0) (i32.const 0))) (br $l))))
