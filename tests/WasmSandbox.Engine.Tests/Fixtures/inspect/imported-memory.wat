;; Imports its memory instead of defining it, declaring the full 4 GiB of a 32-bit memory as its maximum.
(module
  (import "env" "memory" (memory 1 65536))
  (func (export "_start")))
