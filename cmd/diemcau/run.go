package main

import (
	"context"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"net/http/pprof"
	"path/filepath"
	"strings"
	"time"

	"github.com/diemcau/diemcau/api"
	"github.com/diemcau/diemcau/attendance"
	"github.com/diemcau/diemcau/attendance/sqlstore"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

// errUsage marks a command line that could not be understood; it exits 2.
var errUsage = errors.New("usage")

func exitCode(err error) int {
	if errors.Is(err, errUsage) {
		return 2
	}
	if errors.Is(err, errAuditBroken) {
		return 3
	}
	return 1
}

const usage = `diemcau — attendance at the bridge points of online conferences

Usage:
  diemcau serve [--demo]      run the service (migrates the database first)
  diemcau migrate             bring the database schema up to date
  diemcau demo                load the demo province and print how to sign in
  diemcau admin create        create a staff account
  diemcau audit verify        check the audit log's keyed chain [--head ID:HASH]
  diemcau load checkins       drive a running server with simulated check-ins
  diemcau load consoles       … with simulated room consoles over WebRTC
  diemcau version             print the version

Every command reads DIEMCAU_* environment variables (see README.md).
Run "diemcau <command> --help" for a command's flags.
`

// run is the whole program; main only calls it, so tests can too.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) < 2 {
		fmt.Fprint(stderr, usage)
		return errUsage
	}
	cmd, rest := args[1], args[2:]
	switch cmd {
	case "serve":
		return cmdServe(ctx, rest, getenv, stdout, stderr)
	case "migrate":
		return cmdMigrate(ctx, rest, getenv, stdout, stderr)
	case "demo":
		return cmdDemo(ctx, rest, getenv, stdout, stderr)
	case "admin":
		return cmdAdmin(ctx, rest, getenv, stdout, stderr)
	case "load":
		return cmdLoad(ctx, rest, getenv, stdout, stderr)
	case "audit":
		return cmdAudit(ctx, rest, getenv, stdout, stderr)
	case "version":
		fmt.Fprintln(stdout, "diemcau", version)
		return nil
	case "-h", "--help", "help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprintf(stderr, "unknown command %q\n\n%s", cmd, usage)
	return errUsage
}

// parseFlags parses a command's flags; --help prints them and ends the command
// without error.
func parseFlags(fs *flag.FlagSet, args []string, stdout, stderr io.Writer, help string) (ok bool, err error) {
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), help)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fs.SetOutput(stdout)
			fs.Usage()
			return false, nil
		}
		return false, errUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "unexpected arguments: %s\n", strings.Join(fs.Args(), " "))
		return false, errUsage
	}
	return true, nil
}

func newLogger(cfg config, stderr io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: cfg.LogLevel}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(stderr, opts))
	}
	return slog.New(slog.NewTextHandler(stderr, opts))
}

// openDB opens and migrates the database and loads the store's keys: the server
// secret (serverSecret; a new one is made only when generate is true) gives the audit
// log's key. It returns the secret too.
func openDB(ctx context.Context, cfg config, log *slog.Logger, generate bool) (*sqlstore.DB, []byte, error) {
	db, err := sqlstore.Open(ctx, sqlstore.Config{URL: cfg.DatabaseURL, DataDir: cfg.DataDir, Log: log})
	if err != nil {
		return nil, nil, err
	}
	secret, err := serverSecret(ctx, cfg, db, generate, log)
	if err == nil {
		err = db.Migrate(ctx)
	}
	if err == nil {
		err = db.LoadKeys(ctx, attendance.AuditKey(secret))
		if errors.Is(err, attendance.ErrAuditKey) {
			err = fmt.Errorf("%w.\nThe server secret differs from the one the log was chained under: DIEMCAU_SECRET "+
				"changed, or this instance generated its own (%s). Every instance must use the same secret: set "+
				"DIEMCAU_SECRET or DIEMCAU_SECRET_FILE on each to the secret the log was chained under (a generated "+
				"one is the file %q in the data directory of the instance that made it)", err,
				filepath.Join(cfg.DataDir, secretFileName), secretFileName)
		}
	}
	if err != nil {
		db.Close()
		return nil, nil, err
	}
	return db, secret, nil
}

func cmdServe(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	demo := fs.Bool("demo", false, "load the demo province (once) and print how to sign in as each role")
	if ok, err := parseFlags(fs, args, stdout, stderr, "Usage: diemcau serve [--demo]\n\nRun the service. The database is migrated first; an empty one gets an admin account.\n\n"); !ok {
		return err
	}
	cfg, err := loadConfig(getenv)
	if err != nil {
		return err
	}
	log := newLogger(cfg, stderr)
	db, secret, err := openDB(ctx, cfg, log, true)
	if err != nil {
		return err
	}
	defer db.Close()
	admin, err := ensureAdmin(ctx, db, cfg)
	if err != nil {
		return err
	}
	if !*demo {
		printFirstAdmin(stdout, admin)
	}

	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	base := cfg.PublicURL
	if base == "" {
		base = localURL(ln.Addr())
	}
	if *demo {
		info, err := loadDemo(ctx, db, secret, time.Now())
		if err != nil {
			printFirstAdmin(stdout, admin) // its password is not printed anywhere else
			ln.Close()
			return fmt.Errorf("demo: %w", err)
		}
		info.Admin = admin
		printDemo(stdout, base, info)
	}

	live, err := startLive(ctx, cfg, db, log)
	if err != nil {
		ln.Close()
		return err
	}
	defer live.stop()

	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	apiCfg := api.Config{PublicURL: base, Secret: secret, SessionTTL: cfg.SessionTTL,
		LoginRatePerAddress: cfg.LoginRate, Metrics: reg, Version: version, QRRotate: cfg.QRRotate,
		TrustedProxies: cfg.Proxies, Bus: live.bus}
	if live.hub != nil {
		apiCfg.Consoles, apiCfg.Sessions = live.hub, live.tracker.Sessions
	}
	srv, err := api.NewServer(log, db, apiCfg)
	if err != nil {
		ln.Close()
		return err
	}
	live.bus.Tap(srv.ForwardToConsoles)
	if live.hub != nil {
		go srv.PushCodes(live.ctx)
	}
	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 2 * time.Minute,
		IdleTimeout: 2 * time.Minute, ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}

	go sweepSessions(ctx, db, log)
	if cfg.DebugAddr != "" {
		go serveDebug(ctx, cfg.DebugAddr, log)
	}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	fmt.Fprintf(stdout, "diemcau %s listening on %s (database: %s)\n", version, localURL(ln.Addr()), db.Dialect())
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if err := hs.Shutdown(shutdown); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	log.Info("stopped")
	return nil
}

// localURL is the URL of a listener for this machine's own browser.
func localURL(a net.Addr) string {
	tcp, ok := a.(*net.TCPAddr)
	if !ok {
		return "http://" + a.String()
	}
	host := "localhost"
	if !tcp.IP.IsUnspecified() {
		host = tcp.IP.String()
		if tcp.IP.To4() == nil {
			host = "[" + host + "]"
		}
	}
	return fmt.Sprintf("http://%s:%d", host, tcp.Port)
}

// sweepSessions removes expired sessions every hour until ctx ends.
func sweepSessions(ctx context.Context, db *sqlstore.DB, log *slog.Logger) {
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if n, err := db.DeleteExpiredSessions(ctx); err != nil {
				log.Warn("sweep sessions", "err", err)
			} else if n > 0 {
				log.Info("swept sessions", "count", n)
			}
		}
	}
}

// firstAdmin is the admin account ensureAdmin made on an empty database: Password is
// the one it generated, empty when it came from DIEMCAU_ADMIN_PASSWORD. Created is
// false when the database had accounts; Login is the configured admin login.
type firstAdmin struct {
	Login, Password string
	Created         bool
}

// ensureAdmin creates the first admin on an empty database, with the configured
// password or a generated one. It prints nothing: the caller shows the password once,
// on its own (printFirstAdmin) or in the demo's table of roles.
func ensureAdmin(ctx context.Context, db *sqlstore.DB, cfg config) (firstAdmin, error) {
	out := firstAdmin{Login: cfg.AdminLogin}
	n, err := db.CountAccounts(ctx)
	if err != nil || n > 0 {
		return out, err
	}
	pw := cfg.AdminPassword
	if pw == "" {
		pw = newPassword()
		out.Password = pw
	}
	a := attendance.Account{Login: cfg.AdminLogin, DisplayName: "Quản trị viên", Role: attendance.RoleAdmin, Active: true}
	if err := db.CreateAccount(ctx, &a, pw); err != nil {
		return out, fmt.Errorf("create first admin %q: %w", cfg.AdminLogin, err)
	}
	out.Created = true
	return out, nil
}

// printFirstAdmin tells the operator about the admin account just created.
func printFirstAdmin(stdout io.Writer, a firstAdmin) {
	switch {
	case !a.Created:
	case a.Password != "":
		fmt.Fprintf(stdout, "\nFirst start: created admin %q with password %s\n(shown once; change it after signing in)\n\n", a.Login, a.Password)
	default:
		fmt.Fprintf(stdout, "First start: created admin %q with the password from DIEMCAU_ADMIN_PASSWORD\n", a.Login)
	}
}

// newPassword returns 16 random characters from an alphabet without look-alikes.
func newPassword() string {
	const alphabet = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
	b := make([]byte, 16)
	for i := range b {
		n, err := rand.Int(rand.Reader, big.NewInt(int64(len(alphabet))))
		if err != nil {
			panic(err) // crypto/rand does not fail on supported platforms
		}
		b[i] = alphabet[n.Int64()]
	}
	return string(b)
}

func cmdMigrate(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("migrate", flag.ContinueOnError)
	if ok, err := parseFlags(fs, args, stdout, stderr, "Usage: diemcau migrate\n\nBring the database schema up to date (SQLite or PostgreSQL, per DIEMCAU_DATABASE_URL).\n"); !ok {
		return err
	}
	cfg, err := loadConfig(getenv)
	if err != nil {
		return err
	}
	db, err := sqlstore.Open(ctx, sqlstore.Config{URL: cfg.DatabaseURL, DataDir: cfg.DataDir, Log: newLogger(cfg, stderr)})
	if err != nil {
		return err
	}
	defer db.Close()
	before, err := db.SchemaVersion(ctx)
	if err != nil {
		return err
	}
	if err := db.Migrate(ctx); err != nil {
		return err
	}
	after, err := db.SchemaVersion(ctx)
	if err != nil {
		return err
	}
	if before == after {
		fmt.Fprintf(stdout, "schema is up to date (%s, %s)\n", after, db.Dialect())
	} else {
		fmt.Fprintf(stdout, "migrated %s from %q to %q\n", db.Dialect(), before, after)
	}
	return nil
}

func cmdDemo(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	if ok, err := parseFlags(fs, args, stdout, stderr, "Usage: diemcau demo\n\nLoad the demo province (once) with a conference live now, and print how to sign in as each role.\n"); !ok {
		return err
	}
	cfg, err := loadConfig(getenv)
	if err != nil {
		return err
	}
	db, secret, err := openDB(ctx, cfg, newLogger(cfg, stderr), true)
	if err != nil {
		return err
	}
	defer db.Close()
	admin, err := ensureAdmin(ctx, db, cfg)
	if err != nil {
		return err
	}
	info, err := loadDemo(ctx, db, secret, time.Now())
	if err != nil {
		printFirstAdmin(stdout, admin)
		return err
	}
	info.Admin = admin
	base := cfg.PublicURL
	if base == "" {
		base = "http://localhost" + cfg.Addr
	}
	printDemo(stdout, base, info)
	return nil
}

func cmdAdmin(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	const help = "Usage: diemcau admin create --login NAME [--role admin|organizer|supervisor] [--name \"Full name\"] [--password-file FILE]\n\nCreate a staff account. Without --password-file (or DIEMCAU_ADMIN_PASSWORD) a password is generated and printed once.\n\n"
	if len(args) == 0 || args[0] != "create" {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help") {
			fmt.Fprint(stdout, help)
			return nil
		}
		fmt.Fprint(stderr, help)
		return errUsage
	}
	fs := flag.NewFlagSet("admin create", flag.ContinueOnError)
	login := fs.String("login", "", "login (required)")
	role := fs.String("role", "admin", "admin, organizer or supervisor")
	name := fs.String("name", "", "display name")
	pwFile := fs.String("password-file", "", "read the password from this file")
	if ok, err := parseFlags(fs, args[1:], stdout, stderr, help); !ok {
		return err
	}
	if *login == "" {
		fmt.Fprint(stderr, "--login is required\n\n"+help)
		return errUsage
	}
	cfg, err := loadConfig(getenv)
	if err != nil {
		return err
	}
	pw, generated := cfg.AdminPassword, false
	if *pwFile != "" {
		b, err := readSecretFile(*pwFile)
		if err != nil {
			return err
		}
		pw = b
	}
	if pw == "" {
		pw, generated = newPassword(), true
	}
	db, _, err := openDB(ctx, cfg, newLogger(cfg, stderr), true)
	if err != nil {
		return err
	}
	defer db.Close()
	a := attendance.Account{Login: *login, DisplayName: *name, Role: attendance.Role(*role), Active: true}
	if err := db.CreateAccount(ctx, &a, pw); err != nil {
		var ve *attendance.ValidationError
		if errors.As(err, &ve) {
			return fmt.Errorf("cannot create account: %s", describe(ve))
		}
		return err
	}
	fmt.Fprintf(stdout, "created %s account %q (id %d)\n", a.Role, a.Login, a.ID)
	if generated {
		fmt.Fprintf(stdout, "password: %s (shown once)\n", pw)
	}
	return nil
}

// describe puts a validation error in words for the terminal.
func describe(ve *attendance.ValidationError) string {
	var parts []string
	for _, f := range ve.Fields {
		p := f.Field + " " + strings.ReplaceAll(f.Code, "_", " ")
		if f.Param != "" {
			p += " (" + f.Param + ")"
		}
		parts = append(parts, p)
	}
	return strings.Join(parts, ", ")
}

// serveDebug serves Go's profiles (net/http/pprof) on addr until ctx ends: a separate
// listener, so they are never reachable through the public address.
func serveDebug(ctx context.Context, addr string, log *slog.Logger) {
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	hs := &http.Server{Addr: addr, Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		hs.Close()
	}()
	log.Info("debug profiles", "addr", addr)
	if err := hs.ListenAndServe(); err != nil && err != http.ErrServerClosed {
		log.Warn("debug server", "err", err)
	}
}

// errAuditBroken marks an audit log whose chain does not verify; it exits 3, so scripts
// tell it from a failure to check.
var errAuditBroken = errors.New("the audit log does not verify")

func cmdAudit(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	const help = `Usage: diemcau audit verify [--head ID:HASH]...

Walk the audit log and check every entry's hash, made with the key derived from the
server secret, and its link to the one before it; then check that the heads noted
down before (--head, as this command prints them, or "#ID · HASH" as a closed
conference's report prints them) and those recorded when conferences were closed are
still in the log with their hash. The chain alone cannot show that its end was cut off
or the whole log wiped; a head kept outside the database can.
Exit 0: intact (the head to note down is printed); 3: an entry was changed, removed
or added, the log's end was cut, or it was rewritten (the entry is named).

`
	if len(args) == 0 || args[0] != "verify" {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help") {
			fmt.Fprint(stdout, help)
			return nil
		}
		fmt.Fprint(stderr, help)
		return errUsage
	}
	fs := flag.NewFlagSet("audit verify", flag.ContinueOnError)
	var heads []attendance.AuditHead
	fs.Func("head", "a head noted down before, `ID:HASH` (the whole hash, or at least its first 16 hex digits); may repeat",
		func(s string) error {
			h, err := attendance.ParseAuditHead(s)
			if err != nil {
				return fmt.Errorf("want ID:HASH, such as 1234:9f2c… (a hash of 16 to 64 hex digits), got %q", s)
			}
			heads = append(heads, h)
			return nil
		})
	if ok, err := parseFlags(fs, args[1:], stdout, stderr, help); !ok {
		return err
	}
	cfg, err := loadConfig(getenv)
	if err != nil {
		return err
	}
	// A secret made up here could not verify anything: verification needs the one the
	// log was chained under.
	db, _, err := openDB(ctx, cfg, newLogger(cfg, stderr), false)
	if err != nil {
		return err
	}
	defer db.Close()
	r, err := db.VerifyAudit(ctx, heads...)
	if err != nil {
		return err
	}
	printAudit(stdout, r)
	if !r.OK {
		return errAuditBroken
	}
	return nil
}

// printAudit says what a verification found, and on an intact log the head to note
// down.
func printAudit(w io.Writer, r attendance.AuditReport) {
	whose := "noted down"
	if r.ConferenceID != 0 {
		whose = fmt.Sprintf("recorded when conference %d was closed", r.ConferenceID)
	}
	switch {
	case r.OK && r.LastID == 0:
		fmt.Fprintln(w, "audit log intact: 0 entries (empty)")
	case r.OK:
		fmt.Fprintf(w, "audit log intact: %d entries\n", r.Checked)
		if r.Heads > 0 {
			fmt.Fprintf(w, "%d heads noted down or recorded at closings found unchanged\n", r.Heads)
		}
		fmt.Fprintf(w, "head: %s\n(note it down; \"diemcau audit verify --head %s\" later proves the log still holds it, "+
			"which a cut end or a wiped log would not)\n", r.Head(), r.Head())
	case r.Problem == attendance.AuditCut:
		fmt.Fprintf(w, "audit log BROKEN: entry %d, the head %s, is not in the log, which ends at entry %d: "+
			"its end was cut off, or the log wiped\n", r.BrokenID, whose, r.LastID)
	case r.Problem == attendance.AuditRewritten:
		fmt.Fprintf(w, "audit log BROKEN: entry %d is in the log with another hash than the head %s: "+
			"the log was rewritten\n", r.BrokenID, whose)
	default:
		fmt.Fprintf(w, "audit log BROKEN at entry %d (%s) after %d good entries\n", r.BrokenID, r.Problem, r.Checked)
	}
}
