package main

import (
	"fmt"
	"log/slog"
	"net"
	"os"
	"strconv"
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
	WebRTC        bool
	UDPPort       int
	TCPPort       int
	ICEServers    []iceServer
	NATIPs        []string
	Loopback      bool
}

// iceServer is one STUN or TURN server from DIEMCAU_ICE_SERVERS.
type iceServer struct {
	URL, Username, Credential string
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
	{"DIEMCAU_DATA_DIR", "./data", "data directory: the SQLite file, and the generated secret (file secret)", false},
	{"DIEMCAU_DATABASE_URL", "", "empty: SQLite in the data dir; postgres://…: PostgreSQL", true},
	{"DIEMCAU_ADMIN_LOGIN", "admin", "login of the first admin, created on an empty database", false},
	{"DIEMCAU_ADMIN_PASSWORD", "", "its password; unset: generated and printed once", true},
	{"DIEMCAU_SECRET", "", "signing secret, also the audit log's key (≥ 32 bytes, or base64:…); unset: generated on first start into the data dir; several instances must share one", true},
	{"DIEMCAU_QR_ROTATE", "30s", "check-in QR rotation period", false},
	{"DIEMCAU_PRESENCE_TIMEOUT", "5s", "a console silent this long is offline", false},
	{"DIEMCAU_WEBRTC_UDP_PORT", "50000", "the one UDP port every console connection shares (ICE UDP mux); open it in the firewall", false},
	{"DIEMCAU_WEBRTC_TCP_PORT", "50000", "the one TCP port for ICE-TCP, for rooms whose network blocks UDP; 0 turns it off", false},
	{"DIEMCAU_ICE_SERVERS", "", "STUN/TURN servers for consoles, comma-separated (stun:host:3478, turn:user:pass@host:3478)", true},
	{"DIEMCAU_NAT_IPS", "", "public IPs to announce for this server (1:1 NAT), comma-separated", false},
	{"DIEMCAU_WEBRTC_LOOPBACK", "", "1: consoles reach the server on loopback only (tests and load runs)", false},
	{"DIEMCAU_WEBRTC", "1", "0 turns the console hub off on this instance (it then answers signalling with 503)", false},
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
	var udp, tcp, ices, nats, loop, rtc string
	str("DIEMCAU_WEBRTC_UDP_PORT", &udp)
	str("DIEMCAU_WEBRTC_TCP_PORT", &tcp)
	str("DIEMCAU_ICE_SERVERS", &ices)
	str("DIEMCAU_NAT_IPS", &nats)
	str("DIEMCAU_WEBRTC_LOOPBACK", &loop)
	str("DIEMCAU_WEBRTC", &rtc)
	port := func(name, v string) int {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > 65535 {
			errs = append(errs, fmt.Sprintf("%s: want a port number, got %q", name, v))
		}
		return n
	}
	c.UDPPort, c.TCPPort = port("DIEMCAU_WEBRTC_UDP_PORT", udp), port("DIEMCAU_WEBRTC_TCP_PORT", tcp)
	c.Loopback, c.WebRTC = loop == "1" || loop == "true", rtc != "0" && rtc != "false"
	for _, u := range splitList(ices) {
		srv, err := parseICEServer(u)
		if err != nil {
			errs = append(errs, "DIEMCAU_ICE_SERVERS: "+err.Error())
			continue
		}
		c.ICEServers = append(c.ICEServers, srv)
	}
	for _, ip := range splitList(nats) {
		if net.ParseIP(ip) == nil {
			errs = append(errs, fmt.Sprintf("DIEMCAU_NAT_IPS: %q is not an IP address", ip))
		}
		c.NATIPs = append(c.NATIPs, ip)
	}
	var proxies string
	str("DIEMCAU_TRUSTED_PROXIES", &proxies)
	for _, p := range strings.Split(proxies, ",") {
		if p = strings.TrimSpace(p); p != "" {
			c.Proxies = append(c.Proxies, p)
		}
	}
	if secret != "" {
		b, err := decodeSecret(secret)
		if err != nil {
			errs = append(errs, "DIEMCAU_SECRET: "+err.Error())
		}
		c.Secret = b
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

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// parseICEServer reads stun:host:port, turn:host:port or turn:user:pass@host:port
// (turns: for TLS).
func parseICEServer(s string) (iceServer, error) {
	scheme, rest, ok := strings.Cut(s, ":")
	if !ok || (scheme != "stun" && scheme != "turn" && scheme != "turns") || rest == "" {
		return iceServer{}, fmt.Errorf("%q: want stun:host:port or turn:user:pass@host:port", s)
	}
	var srv iceServer
	if creds, host, ok := strings.Cut(rest, "@"); ok {
		user, pass, ok := strings.Cut(creds, ":")
		if !ok || user == "" {
			return iceServer{}, fmt.Errorf("%q: want user:pass before @", s)
		}
		srv.Username, srv.Credential, rest = user, pass, host
	}
	srv.URL = scheme + ":" + rest
	return srv, nil
}
