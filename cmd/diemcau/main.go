// Command diemcau runs the bridge-point attendance service and its tools:
//
//	diemcau serve [--demo]   run the HTTP service (migrates first)
//	diemcau migrate          bring the database schema up to date
//	diemcau demo             load the demo province
//	diemcau admin create     create a staff account
//	diemcau audit verify     check the hash chain of the audit log
//	diemcau load checkins    drive a running server with simulated check-ins
//	diemcau load consoles    … with simulated room consoles over WebRTC
//	diemcau version          print the version
//
// Settings come from DIEMCAU_* environment variables; see README.md.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args, os.Getenv, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "diemcau:", err)
		os.Exit(exitCode(err))
	}
}
