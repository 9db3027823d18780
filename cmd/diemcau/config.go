package main

import (
	"fmt"
	"log/slog"
	"net"
	"os"
	"strings"
	"time"
)

// config is every setting, read from the environment in one place.
type config struct {
	Addr          string
	PublicURL     string
	DataDir       string
	DatabaseURL   string
	AdminLogin    string
	AdminPassword string
	Secret        []byte
	QRRotate      time.Duration
	PresenceTO    time.Duration
	SessionTTL    time.Duration
	LoginRate     string
	LogLevel      slog.Level
	LogFormat     string
	DebugAddr     string
	Proxies       []string
}

// setting is one DIEMCAU_ variable: its default and what it is for. README lists the
// same table; a test keeps them in step.
type setting struct {
	name, def, help string
	secret          bool // accepts NAME_FILE
}

var settings = []setting{
	{"DIEMCAU_ADDR", ":8080", "listen address", false},
	{"DIEMCAU_PUBLIC_URL", "http://localhost:<port>", "base URL people reach the service at (QR links, cookies Secure when https)", false},
	{"DIEMCAU_DATA_DIR", "./data", "data directory: the SQLite file", false},
	{"DIEMCAU_DATABASE_URL", "", "empty: SQLite in the data dir; postgres://…: PostgreSQL", true},
	{"DIEMCAU_ADMIN_LOGIN", "admin", "login of the first admin, created on an empty database", false},
	{"DIEMCAU_ADMIN_PASSWORD", "", "its password; unset: generated and printed once", true},
	{"DIEMCAU_SECRET", "", "signing secret (≥ 32 bytes); unset: generated on first start and kept in the database", true},
	{"DIEMCAU_QR_ROTATE", "30s", "check-in QR rotation period", false},
	{"DIEMCAU_PRESENCE_TIMEOUT", "5s", "a console silent this long is offline", false},
	{"DIEMCAU_SESSION_TTL", "12h", "how long a sign-in lasts", false},
	{"DIEMCAU_LOGIN_RATE", "20-M", "sign-in attempts allowed per client address (N-S, N-M, N-H)", false},
	{"DIEMCAU_LOG_LEVEL", "info", "debug, info, warn or error", false},
	{"DIEMCAU_LOG_FORMAT", "text", "text or json", false},
	{"DIEMCAU_TRUSTED_PROXIES", "", "comma-separated addresses/CIDRs of reverse proxies whose X-Forwarded-For is believed", false},
	{"DIEMCAU_DEBUG_ADDR", "", "if set (e.g. 127.0.0.1:6060), serve Go's pprof profiles there; keep it on loopback", false},
}

// loadConfig reads the settings through getenv. A secret may come from the file named
// by its _FILE variable instead.
func loadConfig(getenv func(string) string) (config, error) {
	get := func(name string) (string, error) {
		for _, s := range settings {
			if s.name != name {
				continue
			}
			v := getenv(name)
			if s.secret {
				if f := getenv(name + "_FILE"); f != "" {
					if v != "" {
						return "", fmt.Errorf("set %s or %s_FILE, not both", name, name)
					}
					b, err := os.ReadFile(f)
					if err != nil {
						return "", fmt.Errorf("%s_FILE: %w", name, err)
					}
					v = strings.TrimRight(string(b), "\r\n")
				}
			}
			if v == "" && !strings.HasPrefix(s.def, "http") {
				v = s.def
			}
			return v, nil
		}
		return "", fmt.Errorf("unknown setting %s", name)
	}
	var (
		c    config
		errs []string
	)
	str := func(name string, dst *string) {
		v, err := get(name)
		if err != nil {
			errs = append(errs, err.Error())
		}
		*dst = v
	}
	dur := func(name string, dst *time.Duration) {
		var v string
		str(name, &v)
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			errs = append(errs, fmt.Sprintf("%s: want a positive duration like 30s, got %q", name, v))
		}
		*dst = d
	}
	var secret, level string
	str("DIEMCAU_ADDR", &c.Addr)
	str("DIEMCAU_PUBLIC_URL", &c.PublicURL)
	str("DIEMCAU_DATA_DIR", &c.DataDir)
	str("DIEMCAU_DATABASE_URL", &c.DatabaseURL)
	str("DIEMCAU_ADMIN_LOGIN", &c.AdminLogin)
	str("DIEMCAU_ADMIN_PASSWORD", &c.AdminPassword)
	str("DIEMCAU_SECRET", &secret)
	dur("DIEMCAU_QR_ROTATE", &c.QRRotate)
	dur("DIEMCAU_PRESENCE_TIMEOUT", &c.PresenceTO)
	dur("DIEMCAU_SESSION_TTL", &c.SessionTTL)
	str("DIEMCAU_LOGIN_RATE", &c.LoginRate)
	str("DIEMCAU_LOG_LEVEL", &level)
	str("DIEMCAU_LOG_FORMAT", &c.LogFormat)
	str("DIEMCAU_DEBUG_ADDR", &c.DebugAddr)
	var proxies string
	str("DIEMCAU_TRUSTED_PROXIES", &proxies)
	for _, p := range strings.Split(proxies, ",") {
		if p = strings.TrimSpace(p); p != "" {
			c.Proxies = append(c.Proxies, p)
		}
	}
	if secret != "" {
		if len(secret) < 32 {
			errs = append(errs, "DIEMCAU_SECRET: want at least 32 bytes")
		}
		c.Secret = []byte(secret)
	}
	if err := c.LogLevel.UnmarshalText([]byte(level)); err != nil {
		errs = append(errs, fmt.Sprintf("DIEMCAU_LOG_LEVEL: %v", err))
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		errs = append(errs, "DIEMCAU_LOG_FORMAT: want text or json")
	}
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		errs = append(errs, fmt.Sprintf("DIEMCAU_ADDR: %v", err))
	}
	c.PublicURL = strings.TrimRight(c.PublicURL, "/")
	if len(errs) > 0 {
		return c, fmt.Errorf("configuration: %s", strings.Join(errs, "; "))
	}
	return c, nil
}
