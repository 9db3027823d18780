package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net/url"
	"time"

	"github.com/diemcau/diemcau/internal/load"
)

const loadHelp = `Usage: diemcau load checkins|consoles [flags]

Drive a running diemcau server the way a conference does and report throughput and
latency. It creates its own organizations, members and a live conference, then checks
the members in through the real HTTP path (the console's code, the phone's ticket,
member code + PIN). "consoles" opens one pion console per point over WebRTC
(loopback candidates only), holds them with heartbeats, and measures the server's
memory and CPU per console, offline detection, and board event fan-out. Point it only
at a server you run, on this machine: it sends real traffic.

`

func cmdLoad(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" {
		w := stderr
		if len(args) > 0 {
			w = stdout
		}
		fmt.Fprint(w, loadHelp)
		if len(args) == 0 {
			return errUsage
		}
		return nil
	}
	if args[0] == "consoles" {
		return loadConsoles(ctx, args[1:], getenv, stdout, stderr)
	}
	if args[0] != "checkins" {
		fmt.Fprintf(stderr, "unknown load scenario %q\n\n%s", args[0], loadHelp)
		return errUsage
	}
	fs := flag.NewFlagSet("load checkins", flag.ContinueOnError)
	base := fs.String("url", "http://127.0.0.1:8080", "base URL of the server")
	login := fs.String("login", "admin", "admin login (creates the test data)")
	pwFile := fs.String("password-file", "", "file with the admin password (default: DIEMCAU_ADMIN_PASSWORD)")
	rate := fs.Float64("rate", 1000, "check-ins offered per second")
	duration := fs.Duration("duration", 20*time.Second, "how long to offer them")
	concurrency := fs.Int("concurrency", 256, "requests in flight at most")
	perPoint := fs.Int("per-point", 200, "members per bridge point")
	fresh := fs.Bool("fresh-connections", false, "a new connection per request, as phones on mobile data")
	if ok, err := parseFlags(fs, args[1:], stdout, stderr, loadHelp); !ok {
		return err
	}
	u, err := url.Parse(*base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("--url: want http(s)://host:port, got %q", *base)
	}
	pw := getenv("DIEMCAU_ADMIN_PASSWORD")
	if *pwFile != "" {
		if pw, err = readSecretFile(*pwFile); err != nil {
			return err
		}
	}
	if pw == "" {
		return fmt.Errorf("the admin password is needed: --password-file or DIEMCAU_ADMIN_PASSWORD")
	}
	rep, err := load.Checkins(ctx, load.CheckinsConfig{Base: u.String(), Login: *login, Password: pw, Rate: *rate,
		Duration: *duration, Concurrency: *concurrency, PerPoint: *perPoint, Fresh: *fresh, Log: stdout})
	fmt.Fprint(stdout, rep)
	return err
}

func loadConsoles(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("load consoles", flag.ContinueOnError)
	base := fs.String("url", "http://127.0.0.1:8080", "base URL of the server (loopback)")
	login := fs.String("login", "admin", "admin login (creates the test data)")
	pwFile := fs.String("password-file", "", "file with the admin password (default: DIEMCAU_ADMIN_PASSWORD)")
	n := fs.Int("consoles", 200, "consoles to open, one per point")
	hold := fs.Duration("hold", 10*time.Second, "steady state over which CPU is measured")
	drop := fs.Int("drop", 10, "consoles whose heartbeats stop, to time offline detection")
	subs := fs.Int("subscribers", 1000, "board event-stream subscribers, to time event fan-out")
	conc := fs.Int("concurrency", 32, "console connections set up at once")
	if ok, err := parseFlags(fs, args, stdout, stderr, loadHelp); !ok {
		return err
	}
	u, err := url.Parse(*base)
	if err != nil || u.Scheme != "http" || u.Host == "" {
		return fmt.Errorf("--url: want http://host:port, got %q", *base)
	}
	pw := getenv("DIEMCAU_ADMIN_PASSWORD")
	if *pwFile != "" {
		if pw, err = readSecretFile(*pwFile); err != nil {
			return err
		}
	}
	if pw == "" {
		return fmt.Errorf("the admin password is needed: --password-file or DIEMCAU_ADMIN_PASSWORD")
	}
	rep, err := load.Consoles(ctx, load.ConsolesConfig{Base: u.String(), Login: *login, Password: pw, Consoles: *n,
		Hold: *hold, Drop: *drop, Subscribers: *subs, Concurrency: *conc, Log: stdout})
	fmt.Fprint(stdout, rep)
	return err
}
