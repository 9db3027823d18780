// Package e2e drives the real server in headless Chromium, as people meet it. The
// tests run only with DIEMCAU_E2E=1; then a missing Chromium is a failure.
package e2e

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/diemcau/diemcau/api"
	"github.com/diemcau/diemcau/attendance"
	"github.com/diemcau/diemcau/attendance/sqlstore"
	"github.com/diemcau/diemcau/internal/testdb"
)

// chromium is where Debian's chromium package puts the browser (docs/testing.md).
const chromium = "/usr/bin/chromium"

var update = flag.Bool("update", false, "write screenshots to testdata/screenshots")

// screenshotDir is where screenshots go: testdata/screenshots with -update, the
// directory DIEMCAU_SCREENSHOTS names, or nowhere, so a test run leaves no churn.
func screenshotDir() string {
	if d := os.Getenv("DIEMCAU_SCREENSHOTS"); d != "" {
		return d
	}
	if *update {
		return filepath.Join("testdata", "screenshots")
	}
	return ""
}

// needBrowser skips without DIEMCAU_E2E=1 and fails when Chromium is missing.
func needBrowser(t *testing.T) {
	t.Helper()
	if os.Getenv("DIEMCAU_E2E") != "1" {
		t.Skip("browser test: set DIEMCAU_E2E=1 to run it in headless Chromium (" + chromium + ")")
	}
	if _, err := os.Stat(chromium); err != nil {
		t.Fatalf("DIEMCAU_E2E=1 but no Chromium at %s (apt-get install -y chromium): %v", chromium, err)
	}
}

// site is the real server on a loopback port, over a fresh SQLite store.
type site struct {
	base string
	db   *sqlstore.DB
}

func startSite(t *testing.T) site {
	t.Helper()
	cfg := testdb.Targets(t)[0].Config // SQLite: the browser, not the database, is under test here
	db := testdb.MustOpen(t, cfg)
	log := slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	srv, err := api.NewServer(log, db, api.Config{Secret: []byte("diemcau-e2e-secret-0123456789")})
	if err != nil {
		t.Fatalf("NewServer: %v", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := hs.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			t.Errorf("serve: %v", err)
		}
	}()
	t.Cleanup(func() { hs.Close() })
	return site{base: "http://" + ln.Addr().String(), db: db}
}

// testWriter sends the server's warnings to the test log.
type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

// browser starts Chromium with exactly the flags of docs/testing.md and a fresh profile.
func browser(t *testing.T) context.Context {
	t.Helper()
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(chromium),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("allow-loopback-in-peer-connection", true),
		chromedp.Flag("disable-features", "WebRtcHideLocalIpsWithMdns"),
		chromedp.Flag("use-fake-device-for-media-stream", true),
		chromedp.Flag("use-fake-ui-for-media-stream", true),
		chromedp.UserDataDir(t.TempDir()),
	)
	ctx, cancel := chromedp.NewContext(alloc)
	t.Cleanup(func() {
		cancel()
		cancelAlloc()
	})
	// The first Run starts the browser; it must not carry a timeout (chromedp.Run).
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start Chromium: %v", err)
	}
	return ctx
}

// step runs actions with a time limit, so a page that never comes fails the test
// instead of hanging it.
func step(t *testing.T, ctx context.Context, what string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// value runs one action that returns a value, with a time limit.
func value[T any](t *testing.T, ctx context.Context, what string, a chromedp.Action[T]) T {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	return v
}

// waitPage waits until the browser shows a page whose path and query start with want
// (or are exactly want, when it ends in "$") and the page has loaded.
func waitPage(t *testing.T, ctx context.Context, want string) {
	t.Helper()
	cond := fmt.Sprintf(`(location.pathname + location.search).startsWith(%q)`, want)
	if exact, ok := strings.CutSuffix(want, "$"); ok {
		cond = fmt.Sprintf(`location.pathname + location.search === %q`, exact)
	}
	js := cond + ` && document.readyState === "complete" && document.body !== null`
	// A navigation destroys the page's JavaScript context while a poll runs in it, so
	// ask again, each time in the page that is there now.
	deadline := time.Now().Add(20 * time.Second)
	var last error
	for time.Now().Before(deadline) {
		c, cancel := context.WithTimeout(ctx, 2*time.Second)
		ok, err := chromedp.Run(c, chromedp.Evaluate[bool](js))
		cancel()
		if err == nil && ok {
			return
		}
		last = err
		time.Sleep(50 * time.Millisecond)
	}
	loc, _ := chromedp.Run(ctx, chromedp.Location())
	t.Fatalf("waited for %s, the browser is at %s (%v)", want, loc, last)
}

// text is the visible text of the page.
func text(t *testing.T, ctx context.Context) string {
	t.Helper()
	return value(t, ctx, "read the page", chromedp.Evaluate[string](`document.body.innerText`))
}

func mustSay(t *testing.T, ctx context.Context, words ...string) {
	t.Helper()
	got := text(t, ctx)
	for _, w := range words {
		if !strings.Contains(got, w) {
			t.Errorf("page does not say %q; it says:\n%s", w, got)
		}
	}
}

// viewports are the sizes screenshots are taken at: a common Android phone and a
// laptop.
var viewports = []struct {
	name          string
	width, height int64
	mobile        bool
}{
	{"phone", 412, 915, true},
	{"desktop", 1280, 800, false},
}

// shoot checks the current page with axe-core at every viewport and saves a
// full-page screenshot of it at each, when screenshots are asked for; it leaves the
// browser at the desktop size.
func shoot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	dir := screenshotDir()
	if dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, v := range viewports {
		opts := []chromedp.EmulateViewportOption{chromedp.EmulateScale(1)}
		if v.mobile {
			opts = append(opts, chromedp.EmulateMobile, chromedp.EmulateTouch, chromedp.EmulatePortrait)
		}
		step(t, ctx, "resize to "+v.name, chromedp.EmulateViewport(v.width, v.height, opts...))
		checkA11y(t, ctx, name+" ("+v.name+")")
		if dir == "" {
			continue
		}
		png := value(t, ctx, "screenshot "+name, chromedp.FullScreenshot(100))
		file := filepath.Join(dir, name+"-"+v.name+".png")
		if err := os.WriteFile(file, png, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("screenshot %s", file)
	}
}

func TestAdmin_SignInCreateSwitchLanguage(t *testing.T) {
	needBrowser(t)
	s := startSite(t)
	const password = "mật-khẩu-quản-trị-2026"
	admin := attendance.Account{Login: "quantri", DisplayName: "Nguyễn Văn Quản", Role: attendance.RoleAdmin, Active: true}
	if err := s.db.CreateAccount(context.Background(), &admin, password); err != nil {
		t.Fatal(err)
	}
	ctx := browser(t)
	step(t, ctx, "desktop size", chromedp.EmulateViewport(1280, 800))

	// Sign in.
	step(t, ctx, "open the sign-in page", chromedp.Navigate(s.base+"/vi/login"))
	mustSay(t, ctx, "Đăng nhập", "Tên đăng nhập", "Mật khẩu")
	shoot(t, ctx, "login")
	step(t, ctx, "sign in",
		chromedp.SendKeys(chromedp.CSS("#login"), "quantri"),
		chromedp.SendKeys(chromedp.CSS("#password"), password),
		chromedp.Click(chromedp.CSS("#login-form button[type=submit]")),
	)
	waitPage(t, ctx, "/vi/admin/$")
	mustSay(t, ctx, "Quản trị", "Tổ chức đảng", "Đảng viên", "Hội nghị", "Nguyễn Văn Quản")

	// Create an organization through its form.
	step(t, ctx, "open the new organization form", chromedp.Click(chromedp.CSS(`a[href="/vi/admin/organizations/new"]`)))
	waitPage(t, ctx, "/vi/admin/organizations/new")
	step(t, ctx, "fill the organization",
		chromedp.SendKeys(chromedp.CSS(`input[name=name]`), "Chi bộ Văn phòng Tỉnh uỷ"),
		chromedp.SendKeys(chromedp.CSS(`input[name=code]`), "CB-VP"),
		chromedp.SetValue(chromedp.CSS(`select[name=kind]`), "chi_bo"),
		chromedp.Click(chromedp.CSS(`button.primary[type=submit]`)),
	)
	waitPage(t, ctx, "/vi/admin/organizations?q=")
	mustSay(t, ctx, "Đã lưu.", "Chi bộ Văn phòng Tỉnh uỷ", "CB-VP", "Chi bộ")

	// A member with a Vietnamese name, typed key by key.
	const name = "Nguyễn Thị Thuỳ Dương"
	step(t, ctx, "open the new member form", chromedp.Navigate(s.base+"/vi/admin/members/new"))
	orgID := value(t, ctx, "find the organization in the select", chromedp.Evaluate[string](
		`[...document.querySelectorAll("select[name=organizationId] option")].find(o => o.text.includes("CB-VP")).value`))
	step(t, ctx, "fill the member",
		chromedp.SendKeys(chromedp.CSS(`input[name=code]`), "DV0001"),
		chromedp.SendKeys(chromedp.CSS(`input[name=fullName]`), name),
		chromedp.SetValue(chromedp.CSS(`select[name=organizationId]`), orgID),
		chromedp.SetValue(chromedp.CSS(`select[name=position]`), "secretary"),
		chromedp.SendKeys(chromedp.CSS(`input[name=phone]`), "0912 345 678"),
		chromedp.SendKeys(chromedp.CSS(`input[name=pin]`), "2468"),
	)
	if got := value(t, ctx, "read the typed name", chromedp.Value(chromedp.CSS(`input[name=fullName]`))); got != name {
		t.Fatalf("typed name reads %q, want %q", got, name)
	}
	shoot(t, ctx, "member-form")
	step(t, ctx, "save the member", chromedp.Click(chromedp.CSS(`button.primary[type=submit]`)))
	waitPage(t, ctx, "/vi/admin/members?q=")
	mustSay(t, ctx, "Đã lưu.", name, "DV0001", "Chi bộ Văn phòng Tỉnh uỷ", "Bí thư", "Đang hoạt động")

	step(t, ctx, "open the members", chromedp.Navigate(s.base+"/vi/admin/members"))
	mustSay(t, ctx, name, "1 kết quả")

	// A live conference with a point for that chi bộ, and more of the province, for
	// the admin home, the lists and the conference page.
	confID := seedConference(t, s.db, orgID)
	step(t, ctx, "open the members", chromedp.Navigate(s.base+"/vi/admin/members"))
	mustSay(t, ctx, name, "Hoàng Thị Hải Yến", "3 kết quả")
	shoot(t, ctx, "members")
	// Searched as typed on a phone: no diacritics.
	step(t, ctx, "search without diacritics", chromedp.SendKeys(chromedp.CSS(`input[name=q]`), "thuy duong\n"))
	waitPage(t, ctx, "/vi/admin/members?q=thuy+duong")
	mustSay(t, ctx, name, "1 kết quả")
	shoot(t, ctx, "members-search")
	step(t, ctx, "open the admin home", chromedp.Navigate(s.base+"/vi/admin/"))
	mustSay(t, ctx, "Hội nghị đang diễn ra", "Hội nghị trực tuyến toàn quốc quán triệt Nghị quyết")
	shoot(t, ctx, "admin-home")

	// A form with a problem is shown again with the problem next to the field.
	step(t, ctx, "send an empty organization",
		chromedp.Navigate(s.base+"/vi/admin/organizations/new"),
		chromedp.Click(chromedp.CSS(`button.primary[type=submit]`)),
	)
	waitPage(t, ctx, "/vi/admin/organizations$")
	mustSay(t, ctx, "Dữ liệu không hợp lệ", "Bắt buộc nhập")
	shoot(t, ctx, "organization-problem")

	// A roster with bad rows of several kinds: every problem at once, each with the
	// value found and the column's rule (issue 10, point 7).
	roster := filepath.Join(t.TempDir(), "danh-sach.csv")
	if err := os.WriteFile(roster, []byte("Mã đảng viên;Họ và tên;Mã tổ chức;Chức vụ;Miễn sinh hoạt\n"+
		"DV0100;Lê Văn Tốt;CB-VP;bi thu;x\n"+
		"DV0101;Trần Thị Sai;CB-KHONG-CO;;\n"+
		"DV0102;Phạm Văn Chức;CB-VP;Chủ tịch;có lẽ\n"+
		"dv0100;Vũ Thị Trùng;CB-VP;;\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	step(t, ctx, "open the import", chromedp.Navigate(s.base+"/vi/admin/import"))
	step(t, ctx, "upload a roster with bad rows",
		chromedp.SetUploadFiles(chromedp.CSS(`input[type=file]`), []string{roster}),
		chromedp.Click(chromedp.CSS(`button.primary[type=submit]`)),
	)
	step(t, ctx, "wait for the problems", chromedp.WaitVisible(chromedp.CSS(".problem")))
	mustSay(t, ctx, "Chưa nhập đảng viên nào",
		"Dòng 3 · Mã tổ chức «CB-KHONG-CO»: không có tổ chức đảng nào có mã hoặc tên này",
		"Dòng 4 · Chức vụ «Chủ tịch»: phải là Bí thư, Phó bí thư hoặc Đảng viên",
		"Dòng 4 · Miễn sinh hoạt «có lẽ»: phải là Có hoặc Không",
		"Dòng 5 · Mã đảng viên «dv0100»: trùng mã với dòng 2")
	shoot(t, ctx, "import-problems")

	// Switch to English with the language link.
	step(t, ctx, "open the members", chromedp.Navigate(s.base+"/vi/admin/members"))
	step(t, ctx, "switch to English", chromedp.Click(chromedp.CSS(`a.lang`)))
	waitPage(t, ctx, "/en/admin/members")
	mustSay(t, ctx, "Members", "Full name", "Party organizations", "Conferences", "Secretary", "Exempt", name)
	if lang := value(t, ctx, "read the page language", chromedp.Evaluate[string](`document.documentElement.lang`)); lang != "en" {
		t.Errorf("page language %q, want en", lang)
	}
	shoot(t, ctx, "members-en")

	// More pages worth a look on a phone.
	if screenshotDir() != "" {
		for _, p := range []struct{ name, path string }{
			{"organizations", "/vi/admin/organizations"},
			{"import", "/vi/admin/import"},
			{"conference-form", "/vi/admin/conferences/new"},
			{"conference", "/vi/admin/conferences/" + confID},
			{"invitations", "/vi/admin/conferences/" + confID + "/invitations"},
		} {
			step(t, ctx, "open "+p.path, chromedp.Navigate(s.base+p.path))
			shoot(t, ctx, p.name)
		}
	}
}

// seedConference stores a live conference with one point attached to organization
// org, and returns its id.
func seedConference(t *testing.T, db *sqlstore.DB, org string) string {
	t.Helper()
	ctx := context.Background()
	orgID, err := strconv.ParseInt(org, 10, 64)
	if err != nil {
		t.Fatalf("organization id %q: %v", org, err)
	}
	start := time.Now().Truncate(time.Hour)
	c := attendance.Conference{Title: "Hội nghị trực tuyến toàn quốc quán triệt Nghị quyết Đại hội XIV của Đảng",
		Description: "Điểm cầu chính tại Hội trường Diên Hồng, Nhà Quốc hội.", HostOrganizationID: &orgID,
		StartsAt: start, EndsAt: start.Add(4 * time.Hour), CheckinLead: attendance.DefaultCheckinLead,
		LateGrace: attendance.DefaultLateGrace, EarlyLeaveGrace: attendance.DefaultEarlyLeaveGrace}
	if err := db.CreateConference(ctx, &c); err != nil {
		t.Fatal(err)
	}
	p := attendance.Point{ConferenceID: c.ID, Name: "Điểm cầu Văn phòng Tỉnh uỷ", Location: "Phòng họp số 1, tầng 3",
		OrganizationIDs: []int64{orgID}}
	if err := db.CreatePoint(ctx, &p); err != nil {
		t.Fatal(err)
	}
	if _, err := db.TransitionConference(ctx, c.ID, "start"); err != nil {
		t.Fatal(err)
	}
	// A small tree under a đảng bộ, so the lists have some depth to show.
	code := func(s string) *string { return &s }
	root := attendance.Organization{Code: code("DBK"), Name: "Đảng bộ Khối các cơ quan tỉnh", Kind: attendance.KindDangBo}
	if err := db.CreateOrganization(ctx, &root); err != nil {
		t.Fatal(err)
	}
	for i, name := range []string{"Chi bộ Ban Tuyên giáo Tỉnh uỷ", "Chi bộ Ủy ban Kiểm tra Tỉnh uỷ"} {
		o := attendance.Organization{ParentID: &root.ID, Code: code(fmt.Sprintf("CB%02d", i+1)), Name: name,
			Kind: attendance.KindChiBo}
		if err := db.CreateOrganization(ctx, &o); err != nil {
			t.Fatal(err)
		}
		m := attendance.Member{Code: fmt.Sprintf("DV10%02d", i), FullName: []string{"Trần Văn Đức", "Hoàng Thị Hải Yến"}[i],
			OrganizationID: o.ID, Position: attendance.PositionMember, Exempt: i == 1, Active: true}
		if err := db.CreateMember(ctx, &m, ""); err != nil {
			t.Fatal(err)
		}
	}
	return strconv.FormatInt(c.ID, 10)
}
