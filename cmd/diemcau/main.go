// Command diemcau runs the bridge-point attendance service and its tools:
//
//	diemcau serve [--demo]   run the HTTP service (migrates first)
//	diemcau migrate          bring the database schema up to date
//	diemcau demo             load the demo province
//	diemcau admin create     create a staff account
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
