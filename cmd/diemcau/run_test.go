package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/diemcau/diemcau/attendance"
	"github.com/diemcau/diemcau/internal/testdb"
)

// syncBuffer collects a running command's output for the test to read.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// env makes a getenv from pairs.
func env(kv map[string]string) func(string) string {
	return func(k string) string { return kv[k] }
}

// started is a service run by run in the background.
type started struct {
	URL    string
	Stdout *syncBuffer
	stop   func() error
}

// startServe runs "diemcau serve" with the settings in kv on a free loopback port and
// waits until /readyz answers.
func startServe(t *testing.T, kv map[string]string, args ...string) *started {
	t.Helper()
	kv["DIEMCAU_ADDR"] = "127.0.0.1:0"
	// Consoles on loopback only, on ports the system picks, so tests run side by side.
	kv["DIEMCAU_WEBRTC_UDP_PORT"], kv["DIEMCAU_WEBRTC_TCP_PORT"], kv["DIEMCAU_WEBRTC_LOOPBACK"] = "0", "0", "1"
	ctx, cancel := context.WithCancel(context.Background())
	out, errOut := &syncBuffer{}, &syncBuffer{}
	done := make(chan error, 1)
	go func() { done <- run(ctx, append([]string{"diemcau", "serve"}, args...), env(kv), out, errOut) }()
	listening := regexp.MustCompile(`listening on (http://\S+)`)
	deadline := time.Now().Add(30 * time.Second)
	var url string
	for url == "" {
		select {
		case err := <-done:
			cancel()
			t.Fatalf("serve ended early: %v\nstdout:\n%s\nstderr:\n%s", err, out, errOut)
		case <-time.After(20 * time.Millisecond):
		}
		if m := listening.FindStringSubmatch(out.String()); m != nil {
			url = m[1]
		}
		if time.Now().After(deadline) {
			cancel()
			t.Fatalf("serve did not start\nstdout:\n%s\nstderr:\n%s", out, errOut)
		}
	}
	for {
		resp, err := http.Get(url + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		if time.Now().After(deadline) {
			cancel()
			t.Fatalf("never ready: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	s := &started{URL: url, Stdout: out}
	var once sync.Once
	var stopErr error
	s.stop = func() error {
		once.Do(func() {
			cancel()
			select {
			case stopErr = <-done:
			case <-time.After(15 * time.Second):
				stopErr = fmt.Errorf("serve did not stop")
			}
		})
		return stopErr
	}
	t.Cleanup(func() { s.stop() })
	return s
}

// login signs in and returns the bearer token, failing the test otherwise.
func login(t *testing.T, base string, body map[string]string) string {
	t.Helper()
	b, _ := json.Marshal(body)
	resp, err := http.Post(base+"/api/v1/auth/login", "application/json", bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		Token string `json:"token"`
	}
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || json.Unmarshal(raw, &out) != nil || out.Token == "" {
		t.Fatalf("sign in %v: got %d %s, want 200 with a token", body["login"]+body["memberCode"], resp.StatusCode, raw)
	}
	return out.Token
}

func getJSON(t *testing.T, url, token string, v any) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if v != nil {
		if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
			t.Fatalf("GET %s: decode: %v", url, err)
		}
	}
	return resp.StatusCode
}

// dbEnv returns the database settings of a target.
func dbEnv(t *testing.T, target testdb.Target) map[string]string {
	kv := map[string]string{"DIEMCAU_DATA_DIR": t.TempDir(), "DIEMCAU_LOG_LEVEL": "warn"}
	if target.Config.URL != "" {
		kv["DIEMCAU_DATABASE_URL"] = target.Config.URL
	} else {
		kv["DIEMCAU_DATA_DIR"] = target.Config.DataDir
	}
	return kv
}

func TestRun_ServeFirstStart(t *testing.T) {
	for _, target := range testdb.Targets(t) {
		t.Run(target.Name, func(t *testing.T) {
			kv := dbEnv(t, target)
			s := startServe(t, kv)
			m := regexp.MustCompile(`created admin "admin" with password (\S+)`).FindStringSubmatch(s.Stdout.String())
			if m == nil {
				t.Fatalf("first start printed no admin password:\n%s", s.Stdout)
			}
			token := login(t, s.URL, map[string]string{"login": "admin", "password": m[1]})
			var me struct{ Role string }
			if code := getJSON(t, s.URL+"/api/v1/auth/me", token, &me); code != 200 || me.Role != "admin" {
				t.Errorf("me: got %d %+v, want 200 admin", code, me)
			}
			for _, path := range []string{"/healthz", "/metrics"} {
				if code := getJSON(t, s.URL+path, "", nil); code != 200 {
					t.Errorf("GET %s: got %d, want 200", path, code)
				}
			}
			if err := s.stop(); err != nil {
				t.Fatalf("stop: %v", err)
			}

			again := startServe(t, kv)
			if strings.Contains(again.Stdout.String(), "created admin") {
				t.Errorf("second start created another admin:\n%s", again.Stdout)
			}
			login(t, again.URL, map[string]string{"login": "admin", "password": m[1]})
		})
	}
}

func TestRun_ServeAdminPasswordFromFile(t *testing.T) {
	dir := t.TempDir()
	pw := filepath.Join(dir, "pw")
	if err := os.WriteFile(pw, []byte("một-mật-khẩu-dài\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	s := startServe(t, map[string]string{"DIEMCAU_DATA_DIR": dir, "DIEMCAU_ADMIN_LOGIN": "quantri",
		"DIEMCAU_ADMIN_PASSWORD_FILE": pw, "DIEMCAU_LOG_LEVEL": "warn"})
	if strings.Contains(s.Stdout.String(), "with password ") {
		t.Errorf("printed a configured password:\n%s", s.Stdout)
	}
	login(t, s.URL, map[string]string{"login": "quantri", "password": "một-mật-khẩu-dài"})
}

func TestRun_ServeDemo(t *testing.T) {
	for _, target := range testdb.Targets(t) {
		t.Run(target.Name, func(t *testing.T) {
			s := startServe(t, dbEnv(t, target), "--demo")
			out := s.Stdout.String()
			cred := func(re string) []string {
				t.Helper()
				m := regexp.MustCompile(re).FindStringSubmatch(out)
				if m == nil {
					t.Fatalf("demo output lacks %s:\n%s", re, out)
				}
				return m
			}
			org := cred(`organizer\s+login (\S+)\s+password (\S+)`)
			sup := cred(`supervisor\s+login (\S+)\s+password (\S+)`)
			chair := cred(`chair\s+member (\S+)\s+PIN (\d+)`)
			mem := cred(`member\s+member (\S+)\s+PIN (\d+)`)

			type list struct {
				Total int64 `json:"total"`
				Items []struct {
					ID     int64  `json:"id"`
					Status string `json:"status"`
				} `json:"items"`
			}
			orgToken := login(t, s.URL, map[string]string{"login": org[1], "password": org[2]})
			var confs list
			getJSON(t, s.URL+"/api/v1/conferences?status=live", orgToken, &confs)
			if confs.Total != 1 {
				t.Fatalf("live conferences: got %d, want 1", confs.Total)
			}
			id := confs.Items[0].ID
			var points, members, invs list
			getJSON(t, fmt.Sprintf("%s/api/v1/conferences/%d/points", s.URL, id), orgToken, &points)
			getJSON(t, s.URL+"/api/v1/members", orgToken, &members)
			getJSON(t, fmt.Sprintf("%s/api/v1/conferences/%d/invitations", s.URL, id), orgToken, &invs)
			if points.Total != 6 || members.Total < 150 || invs.Total == 0 {
				t.Errorf("got %d points, %d members, %d invitations; want 6, ≥150, >0", points.Total, members.Total, invs.Total)
			}
			login(t, s.URL, map[string]string{"login": sup[1], "password": sup[2]})

			chairToken := login(t, s.URL, map[string]string{"memberCode": chair[1], "pin": chair[2]})
			var chairPoints list
			getJSON(t, fmt.Sprintf("%s/api/v1/conferences/%d/points", s.URL, id), chairToken, &chairPoints)
			if chairPoints.Total != 1 {
				t.Errorf("chair sees %d points, want 1", chairPoints.Total)
			}
			memToken := login(t, s.URL, map[string]string{"memberCode": mem[1], "pin": mem[2]})
			var self list
			getJSON(t, s.URL+"/api/v1/members", memToken, &self)
			if self.Total != 1 {
				t.Errorf("member sees %d members, want 1 (self)", self.Total)
			}
			if err := s.stop(); err != nil {
				t.Fatal(err)
			}

			// A second --demo start reuses the province and prints working credentials again.
			again := startServe(t, dbEnv2(t, target), "--demo")
			org2 := regexp.MustCompile(`organizer\s+login (\S+)\s+password (\S+)`).FindStringSubmatch(again.Stdout.String())
			if org2 == nil {
				t.Fatalf("second demo start printed no organizer:\n%s", again.Stdout)
			}
			tok := login(t, again.URL, map[string]string{"login": org2[1], "password": org2[2]})
			getJSON(t, again.URL+"/api/v1/members", tok, &members)
			if members.Total < 150 || members.Total > 250 {
				t.Errorf("after second demo start: %d members, want the same province, not a copy", members.Total)
			}
		})
	}
}

// dbEnv2 reopens the same database as the target, for a second start.
func dbEnv2(t *testing.T, target testdb.Target) map[string]string {
	kv := map[string]string{"DIEMCAU_LOG_LEVEL": "warn"}
	if target.Config.URL != "" {
		kv["DIEMCAU_DATABASE_URL"] = target.Config.URL
	} else {
		kv["DIEMCAU_DATA_DIR"] = target.Config.DataDir
	}
	return kv
}

func TestRun_Help(t *testing.T) {
	for _, args := range [][]string{
		{"diemcau", "--help"},
		{"diemcau", "serve", "--help"},
		{"diemcau", "migrate", "--help"},
		{"diemcau", "demo", "--help"},
		{"diemcau", "admin", "--help"},
		{"diemcau", "admin", "create", "--help"},
		{"diemcau", "audit", "--help"},
		{"diemcau", "audit", "verify", "--help"},
		{"diemcau", "load", "--help"},
		{"diemcau", "load", "checkins", "--help"},
		{"diemcau", "load", "consoles", "--help"},
	} {
		t.Run(strings.Join(args[1:], " "), func(t *testing.T) {
			var out, errOut bytes.Buffer
			if err := run(context.Background(), args, env(nil), &out, &errOut); err != nil {
				t.Fatalf("got %v, want nil", err)
			}
			if !strings.Contains(out.String(), "Usage") && !strings.Contains(out.String(), "diemcau") {
				t.Errorf("got %q, want usage", out.String())
			}
		})
	}
	t.Run("unknown command", func(t *testing.T) {
		err := run(context.Background(), []string{"diemcau", "fly"}, env(nil), io.Discard, io.Discard)
		if exitCode(err) != 2 {
			t.Errorf("got %v (exit %d), want exit 2", err, exitCode(err))
		}
	})
}

func TestRun_MigrateAndAdminCreate(t *testing.T) {
	for _, target := range testdb.Targets(t) {
		t.Run(target.Name, func(t *testing.T) {
			kv := dbEnv(t, target)
			var out bytes.Buffer
			if err := run(context.Background(), []string{"diemcau", "migrate"}, env(kv), &out, io.Discard); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(out.String(), "migrated") {
				t.Errorf("first migrate: got %q", out.String())
			}
			out.Reset()
			if err := run(context.Background(), []string{"diemcau", "migrate"}, env(kv), &out, io.Discard); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(out.String(), "up to date") {
				t.Errorf("second migrate: got %q", out.String())
			}
			out.Reset()
			args := []string{"diemcau", "admin", "create", "--login", "kiemtra2", "--role", "supervisor", "--name", "Uỷ ban Kiểm tra"}
			if err := run(context.Background(), args, env(kv), &out, io.Discard); err != nil {
				t.Fatal(err)
			}
			if !regexp.MustCompile(`password: \S{16}`).MatchString(out.String()) {
				t.Errorf("got %q, want a generated password", out.String())
			}
			err := run(context.Background(), args, env(kv), io.Discard, io.Discard)
			if err == nil || !strings.Contains(err.Error(), "login duplicate") {
				t.Errorf("second create: got %v, want login duplicate", err)
			}
			bad := []string{"diemcau", "admin", "create", "--login", "x", "--role", "king"}
			if err := run(context.Background(), bad, env(kv), io.Discard, io.Discard); err == nil {
				t.Error("bad role: got nil, want an error")
			}
		})
	}
}

func TestLoadConfig(t *testing.T) {
	t.Run("defaults", func(t *testing.T) {
		c, err := loadConfig(env(nil))
		if err != nil {
			t.Fatal(err)
		}
		if c.Addr != ":8080" || c.DataDir != "./data" || c.AdminLogin != "admin" || c.QRRotate != 30*time.Second ||
			c.PresenceTO != 5*time.Second || c.PublicURL != "" || c.Secret != nil {
			t.Errorf("got %+v", c)
		}
	})
	t.Run("secret file", func(t *testing.T) {
		f := filepath.Join(t.TempDir(), "s")
		os.WriteFile(f, []byte(strings.Repeat("k", 40)+"\n"), 0o600)
		c, err := loadConfig(env(map[string]string{"DIEMCAU_SECRET_FILE": f}))
		if err != nil || string(c.Secret) != strings.Repeat("k", 40) {
			t.Errorf("got %q, %v", c.Secret, err)
		}
	})
	for name, kv := range map[string]map[string]string{
		"short secret":     {"DIEMCAU_SECRET": "short"},
		"both secret":      {"DIEMCAU_SECRET": strings.Repeat("k", 40), "DIEMCAU_SECRET_FILE": "/x"},
		"missing file":     {"DIEMCAU_SECRET_FILE": "/nonexistent/secret"},
		"bad duration":     {"DIEMCAU_QR_ROTATE": "soon"},
		"negative timeout": {"DIEMCAU_PRESENCE_TIMEOUT": "-5s"},
		"bad level":        {"DIEMCAU_LOG_LEVEL": "loud"},
		"bad addr":         {"DIEMCAU_ADDR": "8080"},
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := loadConfig(env(kv)); err == nil {
				t.Error("got nil, want an error")
			}
		})
	}
	t.Run("unsupported database", func(t *testing.T) {
		kv := map[string]string{"DIEMCAU_DATABASE_URL": "mysql://x", "DIEMCAU_DATA_DIR": t.TempDir()}
		err := run(context.Background(), []string{"diemcau", "migrate"}, env(kv), io.Discard, io.Discard)
		if err == nil || !strings.Contains(err.Error(), "unsupported") {
			t.Errorf("got %v, want unsupported", err)
		}
	})
}

// TestREADME_Settings keeps README's table of variables in step with the code.
func TestREADME_Settings(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range settings {
		if !bytes.Contains(readme, []byte("`"+s.name+"`")) {
			t.Errorf("README lacks %s", s.name)
		}
	}
}

func TestRun_AuditVerify(t *testing.T) {
	for _, target := range testdb.Targets(t) {
		t.Run(target.Name, func(t *testing.T) {
			kv := dbEnv(t, target)
			ctx := context.Background()
			cfg := target.Config
			db := testdb.MustOpen(t, cfg)
			a := attendance.Account{Login: "kiemtra", Role: attendance.RoleOrganizer, Active: true}
			if err := db.CreateAccount(ctx, &a, "mật-khẩu-đủ-dài"); err != nil {
				t.Fatal(err)
			}
			a.Role = attendance.RoleSupervisor // a role change is audited
			if err := db.UpdateAccount(ctx, attendance.Principal{Role: attendance.RoleAdmin, AccountID: 99}, &a, ""); err != nil {
				t.Fatal(err)
			}
			var out bytes.Buffer
			if err := run(ctx, []string{"diemcau", "audit", "verify"}, env(kv), &out, io.Discard); err != nil {
				t.Fatalf("intact log: %v\n%s", err, out.String())
			}
			if !strings.Contains(out.String(), "intact: 1 entries") {
				t.Errorf("got %q", out.String())
			}
			if err := db.Gorm().Exec("UPDATE audit_entries SET after = ?", `{"role":"admin","active":true}`).Error; err != nil {
				t.Fatal(err)
			}
			out.Reset()
			err := run(ctx, []string{"diemcau", "audit", "verify"}, env(kv), &out, io.Discard)
			if exitCode(err) != 3 || !strings.Contains(out.String(), "BROKEN at entry 1") {
				t.Errorf("tampered log: got %v (exit %d), %q; want exit 3 naming entry 1", err, exitCode(err), out.String())
			}
		})
	}
}
