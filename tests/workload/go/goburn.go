// Ground truth for --unwind auto on Go (issue #12): Go keeps frame pointers
// and has no .eh_frame, so it must be walked by them. goburn SECONDS burns
// CPU in main.sretraceGoBurn under main.sretraceGoOuter.
package main

import (
	"os"
	"strconv"
	"time"
)

//go:noinline
func sretraceGoBurn(d time.Duration) uint64 {
	end := time.Now().Add(d)
	var x uint64
	for time.Now().Before(end) {
		for i := 0; i < 100000; i++ {
			x += uint64(i) * 2654435761
		}
	}
	return x
}

//go:noinline
func sretraceGoOuter(d time.Duration) uint64 { return sretraceGoBurn(d) + 1 }

func main() {
	s, _ := strconv.ParseFloat(os.Args[1], 64)
	// Used, so the work is not optimized away; the exit status stays 0.
	if sretraceGoOuter(time.Duration(s*1e9)) == 42 {
		os.Stdout.WriteString("42\n")
	}
}
