;; Descriptor exhaustion: opens the granted file "target.txt" (in the preopen at fd 3) read-only again and again
;; without closing, until path_open fails or 100 000 opens succeeded. Prints "<opened> <errno>\n" on stdout, then
;; holds every descriptor while it waits for stdin to end, so the host can be watched while they are all open.
(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_open" (func $path_open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 1024) "target.txt")
  ;; Writes $n in decimal followed by byte $sep at 2048.., returns the end offset.
  (func $num (param $n i32) (param $at i32) (param $sep i32) (result i32)
    (local $i i32) (local $len i32) (local $m i32)
    (local.set $m (local.get $n)) (local.set $len (i32.const 1))
    (block $d (loop $l (local.set $m (i32.div_u (local.get $m) (i32.const 10)))
      (br_if $d (i32.eqz (local.get $m))) (local.set $len (i32.add (local.get $len) (i32.const 1))) (br $l)))
    (local.set $i (local.get $len))
    (loop $w
      (local.set $i (i32.sub (local.get $i) (i32.const 1)))
      (i32.store8 (i32.add (local.get $at) (local.get $i)) (i32.add (i32.const 48) (i32.rem_u (local.get $n) (i32.const 10))))
      (local.set $n (i32.div_u (local.get $n) (i32.const 10)))
      (br_if $w (local.get $i)))
    (i32.store8 (i32.add (local.get $at) (local.get $len)) (local.get $sep))
    (i32.add (local.get $at) (i32.add (local.get $len) (i32.const 1))))
  (func (export "_start")
    (local $count i32) (local $errno i32) (local $end i32)
    (block $done (loop $again
      (local.set $errno (call $path_open (i32.const 3) (i32.const 1) (i32.const 1024) (i32.const 10)
        (i32.const 0) (i64.const 2) (i64.const 0) (i32.const 0) (i32.const 32)))
      (br_if $done (local.get $errno))
      (local.set $count (i32.add (local.get $count) (i32.const 1)))
      (br_if $again (i32.lt_u (local.get $count) (i32.const 100000)))))
    (local.set $end (call $num (local.get $count) (i32.const 2048) (i32.const 32)))
    (local.set $end (call $num (local.get $errno) (local.get $end) (i32.const 10)))
    (i32.store (i32.const 0) (i32.const 2048)) (i32.store (i32.const 4) (i32.sub (local.get $end) (i32.const 2048)))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
    ;; Hold everything until stdin ends.
    (block $eof (loop $read
      (i32.store (i32.const 16) (i32.const 4096)) (i32.store (i32.const 20) (i32.const 256))
      (br_if $eof (call $fd_read (i32.const 0) (i32.const 16) (i32.const 1) (i32.const 24)))
      (br_if $read (i32.load (i32.const 24)))))))
