// timewalk: the Go runtime's timers and its file-system walk under WASI preview 1 (GOOS=wasip1).
//
//	timewalk <dir>
//
// Sleeps, waits on a ticker and on time.After, then lists <dir> with filepath.Walk and writes that listing to
// <dir>/walk.txt. Every line it prints is independent of how fast the host is: a timer that fires prints the same
// line whether it took the minimum time or longer, and an elapsed time is only compared with the minimum the Go
// runtime promises. Go's scheduler waits for its timers with poll_oneoff clock subscriptions and reads the monotonic
// clock to see them due, so a host whose clock does not advance across those waits never gets past the first sleep.
package main

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: timewalk <dir>")
		os.Exit(2)
	}
	dir := os.Args[1]

	start := time.Now()
	time.Sleep(20 * time.Millisecond)
	fmt.Println("sleep 20ms: elapsed at least 20ms:", time.Since(start) >= 20*time.Millisecond)

	start = time.Now()
	ticker := time.NewTicker(10 * time.Millisecond)
	ticks := 0
	for range ticker.C {
		ticks++
		if ticks == 3 {
			break
		}
	}
	ticker.Stop()
	fmt.Println("ticker 10ms: 3 ticks, elapsed at least 30ms:", time.Since(start) >= 30*time.Millisecond)

	done := make(chan string)
	go func() {
		time.Sleep(5 * time.Millisecond)
		done <- "goroutine"
	}()
	select {
	case who := <-done:
		fmt.Println("select: first was the", who)
	case <-time.After(time.Second):
		fmt.Println("select: time.After(1s) fired before a 5ms goroutine")
	}
	select {
	case <-time.After(15 * time.Millisecond):
		fmt.Println("time.After 15ms: fired")
	case <-done:
		fmt.Println("time.After 15ms: a closed channel won")
	}

	var listing strings.Builder
	err := filepath.Walk(dir, func(path string, info fs.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(dir, path)
		if err != nil {
			return err
		}
		if info.IsDir() {
			fmt.Fprintf(&listing, "%s/\n", rel)
		} else {
			fmt.Fprintf(&listing, "%s %d\n", rel, info.Size())
		}
		return nil
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "walk:", err)
		os.Exit(1)
	}
	fmt.Print(listing.String())
	if err := os.WriteFile(filepath.Join(dir, "walk.txt"), []byte(listing.String()), 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "write:", err)
		os.Exit(1)
	}
	fmt.Println("wrote walk.txt")
}
