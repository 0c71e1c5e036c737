;; Pins, call by call, the two differences behind the WASI test suite's expected failures (see
;; tests/adversarial/WasiTestsuite.Tests.ps1), so each runtime's answer can be read side by side:
;;   dotnet pwsh tests/wasi-testsuite/Compare-WasiRuntimes.ps1 -Probe
;; It needs a preopen at fd 3 (writable: it creates "probe.tmp") and prints one line of name=errno pairs (two digits;
;; for *_ftype the WASI filetype: 0 unknown, 2 character device, 4 regular file, 6 socket stream):
;;   abs       path_open(3, "/probe.tmp")          an absolute path (rust/interesting_paths)
;;   dotdot    path_open(3, "../probe.tmp")        ".." above the preopen (rust/interesting_paths)
;;   renumber  fd_renumber(0, n), n a new file
;;   fd0_after fd_fdstat_get(0) after that renumber (rust/stdio: must be EBADF, fd 0 is closed)
;;   close2    fd_close(2)
;;   fd2_after fd_fdstat_get(2) after that close
;;   fd1_ftype the filetype fd_fdstat_get(1) reports for captured stdout (issue 12: a terminal or not)
(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_open" (func $path_open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_renumber" (func $fd_renumber (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_close" (func $fd_close (param i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_fdstat_get" (func $fd_fdstat_get (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 1024) "/probe.tmp")      ;; 10 bytes
  (data (i32.const 1040) "../probe.tmp")    ;; 12 bytes
  (data (i32.const 1056) "probe.tmp")       ;; 9 bytes
  ;; the report line; each "??" is overwritten by $put at the offset noted beside the call
  (data (i32.const 2048) "abs=?? dotdot=?? renumber=?? fd0_after=?? close2=?? fd2_after=?? fd1_ftype=??\n")
  (func $put (param $at i32) (param $value i32)
    (i32.store8 (local.get $at) (i32.add (i32.const 48) (i32.div_u (local.get $value) (i32.const 10))))
    (i32.store8 (i32.add (local.get $at) (i32.const 1)) (i32.add (i32.const 48) (i32.rem_u (local.get $value) (i32.const 10)))))
  ;; path_open(3, no lookup flags, path, oflags, no rights asked, fd at 512)
  (func $open (param $path i32) (param $len i32) (param $oflags i32) (result i32)
    (call $path_open (i32.const 3) (i32.const 0) (local.get $path) (local.get $len) (local.get $oflags)
      (i64.const 0) (i64.const 0) (i32.const 0) (i32.const 512)))
  (func (export "_start")
    (local $fd i32)
    (call $put (i32.const 2052) (call $open (i32.const 1024) (i32.const 10) (i32.const 0)))
    (call $put (i32.const 2062) (call $open (i32.const 1040) (i32.const 12) (i32.const 0)))
    (drop (call $open (i32.const 1056) (i32.const 9) (i32.const 1))) ;; O_CREAT
    (local.set $fd (i32.load (i32.const 512)))
    (call $put (i32.const 2074) (call $fd_renumber (i32.const 0) (local.get $fd)))
    (call $put (i32.const 2087) (call $fd_fdstat_get (i32.const 0) (i32.const 520)))
    (call $put (i32.const 2097) (call $fd_close (i32.const 2)))
    (call $put (i32.const 2110) (call $fd_fdstat_get (i32.const 2) (i32.const 520)))
    (i32.store8 (i32.const 520) (i32.const 99))
    (drop (call $fd_fdstat_get (i32.const 1) (i32.const 520)))
    (call $put (i32.const 2123) (i32.load8_u (i32.const 520)))
    (i32.store (i32.const 0) (i32.const 2048))
    (i32.store (i32.const 4) (i32.const 78))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))))
