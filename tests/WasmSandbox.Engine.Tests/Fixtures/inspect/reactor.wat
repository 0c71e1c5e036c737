;; A WASI reactor: a library with _initialize and exports to call, but no _start.
(module
  (memory (export "memory") 2)
  (global $counter (mut i32) (i32.const 0))
  (func (export "_initialize"))
  (func (export "bump") (result i32)
    (global.set $counter (i32.add (global.get $counter) (i32.const 1)))
    (global.get $counter)))
