package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
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
			kv := dbEnv(t, target)
			s := startServe(t, kv, "--demo")
			out := s.Stdout.String()
			cred := func(out, re string) []string {
				t.Helper()
				m := regexp.MustCompile(re).FindStringSubmatch(out)
				if m == nil {
					t.Fatalf("demo output lacks %s:\n%s", re, out)
				}
				return m
			}
			// The admin's generated password is in the table with the others, not on a
			// line of its own above it.
			admin := cred(out, `\n  admin\s+login (\S+)\s+password (\S+)  \(created now`)
			if strings.Contains(out, "First start: created admin") {
				t.Errorf("the admin's password is printed apart from the table:\n%s", out)
			}
			cred(out, `Demo province loaded \(đã nạp dữ liệu mẫu\)`)
			org := cred(out, `organizer\s+login (\S+)\s+password (\S+)`)
			sup := cred(out, `supervisor\s+login (\S+)\s+password (\S+)`)
			chair := cred(out, `chair\s+member (\S+)\s+PIN (\d+)`)
			mem := cred(out, `member\s+member (\S+)\s+PIN (\d+)`)

			type list struct {
				Total int64 `json:"total"`
				Items []struct {
					ID     int64  `json:"id"`
					Status string `json:"status"`
					Login  string `json:"login"`
				} `json:"items"`
			}
			adminToken := login(t, s.URL, map[string]string{"login": admin[1], "password": admin[2]})
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

			// The day goes on: the conference is ended and closed, and the supervisor
			// gets a password of their own.
			for _, action := range []string{"end", "close"} {
				if code := sendJSON(t, http.MethodPost, fmt.Sprintf("%s/api/v1/conferences/%d/%s", s.URL, id, action), orgToken, nil); code != 200 {
					t.Fatalf("%s the demo conference: %d", action, code)
				}
			}
			var accounts list
			getJSON(t, s.URL+"/api/v1/accounts?q=kiemtra", adminToken, &accounts)
			if len(accounts.Items) != 1 {
				t.Fatalf("accounts kiemtra: %+v", accounts)
			}
			const own = "mật-khẩu-riêng-của-uỷ-ban"
			if code := sendJSON(t, http.MethodPatch, fmt.Sprintf("%s/api/v1/accounts/%d", s.URL, accounts.Items[0].ID), adminToken,
				map[string]string{"password": own}); code != 200 {
				t.Fatalf("change the supervisor's password: %d", code)
			}
			if err := s.stop(); err != nil {
				t.Fatal(err)
			}

			// A second --demo start changes nothing and says so: no second conference,
			// the organizer's password printed again and still good, the supervisor's own
			// password kept and not printed.
			again := startServe(t, dbEnv2(kv), "--demo")
			out2 := again.Stdout.String()
			cred(out2, `Demo province already loaded, not loaded again \(dữ liệu mẫu đã có, không nạp lại\).*\(closed\) with 6 points`)
			cred(out2, `\n  admin\s+login admin\s+password \(set when it was created`)
			if org2 := cred(out2, `organizer\s+login (\S+)\s+password (\S+)`); org2[2] != org[2] {
				t.Errorf("second start printed the organizer's password %q, want the same %q", org2[2], org[2])
			}
			cred(out2, `supervisor\s+login kiemtra\s+password \(changed since the demo set it; not shown\)`)
			tok := login(t, again.URL, map[string]string{"login": org[1], "password": org[2]})
			login(t, again.URL, map[string]string{"login": "kiemtra", "password": own})
			login(t, again.URL, map[string]string{"login": admin[1], "password": admin[2]})
			getJSON(t, again.URL+"/api/v1/members", tok, &members)
			if members.Total < 150 || members.Total > 250 {
				t.Errorf("after second demo start: %d members, want the same province, not a copy", members.Total)
			}
			getJSON(t, again.URL+"/api/v1/conferences", tok, &confs)
			if confs.Total != 1 || confs.Items[0].ID != id || confs.Items[0].Status != "closed" {
				t.Errorf("after second demo start: conferences %+v, want the closed demo conference alone", confs)
			}
		})
	}
}

// sendJSON sends body as JSON with a bearer token and returns the status.
func sendJSON(t *testing.T, method, url, token string, body any) int {
	t.Helper()
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest(method, url, bytes.NewReader(b))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, resp.Body)
	return resp.StatusCode
}

// dbEnv2 reopens the database and the data directory of a first start's settings
// first, for a second start: the data directory holds the generated secret.
func dbEnv2(first map[string]string) map[string]string {
	kv := map[string]string{"DIEMCAU_LOG_LEVEL": "warn", "DIEMCAU_DATA_DIR": first["DIEMCAU_DATA_DIR"]}
	if u := first["DIEMCAU_DATABASE_URL"]; u != "" {
		kv["DIEMCAU_DATABASE_URL"] = u
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
	t.Run("base64 secret", func(t *testing.T) {
		raw := []byte("\x00\x01 any bytes at all, even \n and \r\n, 32+")
		for _, v := range []string{"base64:" + base64.RawStdEncoding.EncodeToString(raw), "base64:" + base64.StdEncoding.EncodeToString(raw)} {
			c, err := loadConfig(env(map[string]string{"DIEMCAU_SECRET": v}))
			if err != nil || !bytes.Equal(c.Secret, raw) {
				t.Errorf("%s: got %q, %v; want the bytes it encodes", v, c.Secret, err)
			}
		}
	})
	for name, kv := range map[string]map[string]string{
		"short secret":     {"DIEMCAU_SECRET": "short"},
		"short base64":     {"DIEMCAU_SECRET": "base64:" + base64.RawStdEncoding.EncodeToString([]byte("sixteen bytes!!!"))},
		"bad base64":       {"DIEMCAU_SECRET": "base64:" + strings.Repeat("!", 48)},
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
			admin := attendance.Principal{Role: attendance.RoleAdmin, AccountID: 99}
			for _, role := range []attendance.Role{attendance.RoleSupervisor, attendance.RoleOrganizer} { // entries 1, 2
				a.Role = role // a role change is audited
				if err := db.UpdateAccount(ctx, admin, &a, ""); err != nil {
					t.Fatal(err)
				}
			}
			verify := func(t *testing.T, kv map[string]string, args ...string) (string, error) {
				t.Helper()
				var out bytes.Buffer
				err := run(ctx, append([]string{"diemcau", "audit", "verify"}, args...), env(kv), &out, io.Discard)
				return out.String(), err
			}

			// Verification needs the secret the log was chained under; it never makes one up.
			if _, err := verify(t, kv); err == nil || !strings.Contains(err.Error(), "DIEMCAU_SECRET") {
				t.Errorf("no secret: got %v, want the secret asked for", err)
			}
			if _, err := os.Stat(filepath.Join(kv["DIEMCAU_DATA_DIR"], secretFileName)); err == nil {
				t.Error("audit verify wrote a secret file")
			}
			wrong := maps.Clone(kv)
			wrong["DIEMCAU_SECRET"] = "another secret, of another instance, long enough"
			if _, err := verify(t, wrong); exitCode(err) != 1 || !errors.Is(err, attendance.ErrAuditKey) ||
				!strings.Contains(err.Error(), "Every instance must use the same secret") {
				t.Errorf("another secret: got %v (exit %d), want ErrAuditKey explained", err, exitCode(err))
			}
			kv["DIEMCAU_SECRET"] = testdb.Secret

			out, err := verify(t, kv)
			if err != nil {
				t.Fatalf("intact log: %v\n%s", err, out)
			}
			m := regexp.MustCompile(`head: (2:[0-9a-f]{64})\n`).FindStringSubmatch(out)
			if !strings.Contains(out, "intact: 2 entries") || m == nil {
				t.Fatalf("intact log: got %q, want 2 entries and the head to note down", out)
			}
			head := m[1]
			var first attendance.AuditEntry
			if err := db.Gorm().Take(&first, 1).Error; err != nil {
				t.Fatal(err)
			}
			// As the report prints a head, and only the hash's first 16 digits.
			if out, err := verify(t, kv, "--head", head, "--head", "#1 · "+first.Hash[:16]); err != nil ||
				!strings.Contains(out, "2 heads noted down or recorded at closings found unchanged") {
				t.Errorf("--head: got %v, %q", err, out)
			}
			if _, err := verify(t, kv, "--head", "2:xyz"); exitCode(err) != 2 {
				t.Errorf("--head 2:xyz: got %v (exit %d), want exit 2", err, exitCode(err))
			}
			if out, err := verify(t, kv, "--head", "2:"+strings.Repeat("0", 64)); exitCode(err) != 3 ||
				!strings.Contains(out, "entry 2 is in the log with another hash") || !strings.Contains(out, "rewritten") {
				t.Errorf("another hash: got %v (exit %d), %q; want exit 3, rewritten", err, exitCode(err), out)
			}

			exec := func(sql string, args ...any) {
				t.Helper()
				if err := db.Gorm().Exec(sql, args...).Error; err != nil {
					t.Fatal(err)
				}
			}
			exec("DELETE FROM audit_entries WHERE id = 2")
			if out, err := verify(t, kv); err != nil || !strings.Contains(out, "intact: 1 entries") {
				t.Errorf("cut without --head: got %v, %q; the chain alone cannot tell", err, out)
			}
			if out, err := verify(t, kv, "--head", head); exitCode(err) != 3 ||
				!strings.Contains(out, "entry 2, the head noted down, is not in the log, which ends at entry 1: its end was cut off") {
				t.Errorf("cut with --head: got %v (exit %d), %q; want exit 3, cut", err, exitCode(err), out)
			}
			exec("DELETE FROM audit_entries")
			if out, err := verify(t, kv, "--head", head); exitCode(err) != 3 || !strings.Contains(out, "or the log wiped") {
				t.Errorf("wiped with --head: got %v (exit %d), %q; want exit 3", err, exitCode(err), out)
			}
			a.Role = attendance.RoleSupervisor
			if err := db.UpdateAccount(ctx, admin, &a, ""); err != nil { // a new entry 1
				t.Fatal(err)
			}
			exec("UPDATE audit_entries SET after = ?", `{"role":"admin","active":true}`)
			out, err = verify(t, kv)
			if exitCode(err) != 3 || !strings.Contains(out, "BROKEN at entry 1") {
				t.Errorf("tampered log: got %v (exit %d), %q; want exit 3 naming entry 1", err, exitCode(err), out)
			}
		})
	}
}

// TestRun_GeneratedSecret: without DIEMCAU_SECRET, the first command that needs a
// secret generates one into the data directory, not the database, and every later
// command, or DIEMCAU_SECRET(_FILE) set from that file, uses the same.
func TestRun_GeneratedSecret(t *testing.T) {
	for _, target := range testdb.Targets(t) {
		t.Run(target.Name, func(t *testing.T) {
			ctx := context.Background()
			kv := dbEnv(t, target)
			create := []string{"diemcau", "admin", "create", "--login", "kiemtra", "--role", "supervisor"}
			if err := run(ctx, create, env(kv), io.Discard, io.Discard); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(kv["DIEMCAU_DATA_DIR"], secretFileName)
			fi, err := os.Stat(path)
			if err != nil {
				t.Fatalf("no secret file: %v", err)
			}
			if fi.Mode().Perm() != 0o600 {
				t.Errorf("secret file mode %v, want 0600", fi.Mode().Perm())
			}
			content, _ := os.ReadFile(path)
			secret, err := decodeSecret(strings.TrimSpace(string(content)))
			if !strings.HasPrefix(string(content), "base64:") || err != nil || len(secret) != 32 {
				t.Errorf("secret file: %q, %v", content, err)
			}
			db := testdb.MustOpenKeyed(t, target.Config, secret)
			var kept int64
			db.Gorm().Table("settings").Where("key = 'secret'").Count(&kept)
			if kept != 0 {
				t.Error("the generated secret is in the database")
			}
			create[4] = "kiemtra2"
			if err := run(ctx, create, env(kv), io.Discard, io.Discard); err != nil {
				t.Fatalf("second command: %v", err)
			}
			if again, _ := os.ReadFile(path); string(again) != string(content) {
				t.Errorf("the secret file changed: %q, then %q", content, again)
			}
			for name, extra := range map[string]map[string]string{
				"the file":            {},
				"DIEMCAU_SECRET":      {"DIEMCAU_SECRET": strings.TrimSpace(string(content))},
				"DIEMCAU_SECRET_FILE": {"DIEMCAU_SECRET_FILE": path, "DIEMCAU_DATA_DIR": t.TempDir()},
			} {
				kv2 := maps.Clone(kv)
				maps.Copy(kv2, extra)
				if target.Config.URL == "" && extra["DIEMCAU_DATA_DIR"] != "" {
					kv2["DIEMCAU_DATABASE_URL"] = "sqlite:" + filepath.Join(kv["DIEMCAU_DATA_DIR"], "diemcau.db")
				}
				var out bytes.Buffer
				if err := run(ctx, []string{"diemcau", "audit", "verify"}, env(kv2), &out, io.Discard); err != nil {
					t.Errorf("verify with %s: %v", name, err)
				}
			}
		})
	}
}

// plainAuditHash is the hash of the log before it had a key, written again here from
// its description (SHA-256 of netstrings), as a database from then holds it.
func plainAuditHash(e *attendance.AuditEntry) string {
	h := sha256.New()
	for _, f := range []string{"diemcau.audit.v1", e.PrevHash, fmt.Sprint(e.ID), e.At.UTC().Format(time.RFC3339Nano),
		fmt.Sprint(*e.ActorAccountID), "", e.Action, e.ObjectType, fmt.Sprint(e.ObjectID), e.Reason, e.Before, e.After} {
		fmt.Fprintf(h, "%d:%s,", len(f), f)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// TestRun_UpgradeLegacySecret starts on a database as versions before the keyed log
// left it: a generated secret kept in the database and a log chained with plain
// SHA-256. The secret moves to the data directory (the same bytes, so signed codes
// and cookies still hold), leaves the database, and the log is re-chained under the
// key derived from it.
func TestRun_UpgradeLegacySecret(t *testing.T) {
	for _, target := range testdb.Targets(t) {
		t.Run(target.Name, func(t *testing.T) {
			ctx := context.Background()
			kv := dbEnv(t, target)
			db := testdb.MustOpen(t, target.Config)
			raw := make([]byte, 32)
			rand.Read(raw)
			legacy := base64.RawStdEncoding.EncodeToString(raw)
			exec := func(sql string, args ...any) {
				t.Helper()
				if err := db.Gorm().Exec(sql, args...).Error; err != nil {
					t.Fatal(err)
				}
			}
			// What migration 202611220009 finds and marks on such a database.
			exec("DELETE FROM settings WHERE key = 'audit_key_id'")
			exec("INSERT INTO settings (key, value) VALUES ('secret', ?), ('audit_rechain', 'sha256')", legacy)
			es := make([]attendance.AuditEntry, 3)
			for i := range es {
				acct := int64(1)
				es[i] = attendance.AuditEntry{ID: int64(i + 1), At: time.Date(2026, 2, 7, 8, i, 0, 0, time.UTC),
					ActorAccountID: &acct, Action: attendance.ActionAbsenceDecide, ObjectType: "absence", ObjectID: int64(i),
					Before: `{"status":"pending"}`, After: `{"status":"approved"}`}
				if i > 0 {
					es[i].PrevHash = es[i-1].Hash
				}
				es[i].Hash = plainAuditHash(&es[i])
			}
			if err := db.Gorm().Create(&es).Error; err != nil {
				t.Fatal(err)
			}

			var out bytes.Buffer
			if err := run(ctx, []string{"diemcau", "audit", "verify"}, env(kv), &out, io.Discard); err != nil {
				t.Fatalf("verify: %v\n%s", err, out.String())
			}
			if !strings.Contains(out.String(), "intact: 4 entries") {
				t.Errorf("got %q, want the 3 entries re-chained and the entry of the move", out.String())
			}
			content, err := os.ReadFile(filepath.Join(kv["DIEMCAU_DATA_DIR"], secretFileName))
			if err != nil || strings.TrimSpace(string(content)) != "base64:"+legacy {
				t.Errorf("secret file: %q, %v; want the database's secret", content, err)
			}
			var kept int64
			db.Gorm().Table("settings").Where("key = 'secret'").Count(&kept)
			if kept != 0 {
				t.Error("the secret is still in the database")
			}
			var moved attendance.AuditEntry
			if err := db.Gorm().Take(&moved, 4).Error; err != nil {
				t.Fatal(err)
			}
			if moved.Action != attendance.ActionAuditRechain || !strings.Contains(moved.After, "3:"+es[2].Hash) {
				t.Errorf("entry of the move: got %+v, want the old head 3:%s", moved, es[2].Hash)
			}
			// The key is derived from the moved secret's bytes.
			keyed := testdb.MustOpenKeyed(t, target.Config, raw)
			if r, err := keyed.VerifyAudit(ctx); err != nil || !r.OK || r.Checked != 4 {
				t.Errorf("VerifyAudit() under the moved secret = %+v, %v", r, err)
			}
		})
	}
}
