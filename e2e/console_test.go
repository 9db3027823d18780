package e2e

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/diemcau/diemcau/api"
	"github.com/diemcau/diemcau/attendance"
	"github.com/diemcau/diemcau/attendance/sqlstore"
	"github.com/diemcau/diemcau/bridge"
	"github.com/diemcau/diemcau/bridge/rtc"
	"github.com/diemcau/diemcau/internal/testdb"
)

// TestConsole_OnlineThenOffline opens a point's console in Chromium (signed in as the
// chair), sees it connect over WebRTC and draw the code, sees the board show the
// point online, then closes the browser and sees the point go offline within the
// presence timeout.
// consoleSite is a live server with the WebRTC hub on loopback, a live conference and
// one point whose secretary is DV000201 (PIN 135791), and an organizer's token.
type consoleSite struct {
	base      string
	db        *sqlstore.DB
	conf      attendance.Conference
	point     attendance.Point
	organizer string
}

const consoleTimeout = 3 * time.Second

func startConsoleSite(t *testing.T) consoleSite {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	db := testdb.MustOpen(t, testdb.Targets(t)[0].Config)
	log := slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))

	bus := bridge.NewBus("e2e", nil)
	tracker := bridge.NewTracker(db, bus, log, time.Second)
	go tracker.Run(ctx)
	hub, err := rtc.NewHub(rtc.Config{Loopback: true, UDPPort: 0, TCPPort: -1, PresenceTimeout: consoleTimeout}, tracker, log)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { hub.Close() })

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	srv, err := api.NewServer(log, db, api.Config{Secret: []byte("diemcau-e2e-secret-0123456789"), PublicURL: base,
		Bus: bus, Consoles: hub})
	if err != nil {
		t.Fatal(err)
	}
	bus.Tap(srv.ForwardToConsoles)
	go srv.PushCodes(ctx, tracker.Sessions)
	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := hs.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			t.Errorf("serve: %v", err)
		}
	}()
	t.Cleanup(func() { hs.Close() })

	code := "CB-TP"
	org := attendance.Organization{Code: &code, Name: "Chi bộ Sở Tư pháp", Kind: attendance.KindChiBo}
	if err := db.CreateOrganization(ctx, &org); err != nil {
		t.Fatal(err)
	}
	sec := attendance.Member{Code: "DV000201", FullName: "Lê Quý Đôn", OrganizationID: org.ID, Position: attendance.PositionSecretary, Active: true}
	if err := db.CreateMember(ctx, &sec, "135791"); err != nil {
		t.Fatal(err)
	}
	acc := attendance.Account{Login: "bantochuc", Role: attendance.RoleOrganizer, Active: true}
	if err := db.CreateAccount(ctx, &acc, "mật-khẩu-ban-tổ-chức"); err != nil {
		t.Fatal(err)
	}
	start := time.Now().Add(10 * time.Minute).Truncate(time.Minute)
	conf := attendance.Conference{Title: "Hội nghị trực tuyến quán triệt Nghị quyết", StartsAt: start, EndsAt: start.Add(3 * time.Hour),
		CheckinLead: 30 * time.Minute, LateGrace: 10 * time.Minute, EarlyLeaveGrace: 10 * time.Minute}
	if err := db.CreateConference(ctx, &conf); err != nil {
		t.Fatal(err)
	}
	point := attendance.Point{ConferenceID: conf.ID, Name: "Điểm cầu Sở Tư pháp", Location: "Hội trường tầng 1", OrganizationIDs: []int64{org.ID}}
	if err := db.CreatePoint(ctx, &point); err != nil {
		t.Fatal(err)
	}
	if _, err := db.TransitionConference(ctx, conf.ID, "start"); err != nil {
		t.Fatal(err)
	}
	organizer := apiLogin(t, base, `{"login":"bantochuc","password":"mật-khẩu-ban-tổ-chức"}`)
	return consoleSite{base: base, db: db, conf: conf, point: point, organizer: organizer}
}

// chairConsole signs in as the point's chair in b and opens the console.
func chairConsole(t *testing.T, b context.Context, s consoleSite) {
	t.Helper()
	step(t, b, "sign in as the chair", chromedp.Navigate(s.base+"/vi/login?mode=member&next=/vi/console/"+fmt.Sprint(s.point.ID)))
	waitPage(t, b, "/vi/login")
	step(t, b, "member code and PIN",
		chromedp.SendKeys(chromedp.CSS("#memberCode"), "DV000201"),
		chromedp.SendKeys(chromedp.CSS("#pin"), "135791"),
		chromedp.Submit(chromedp.CSS("#login-form")))
	waitPage(t, b, "/vi/console/")
	step(t, b, "the console connects", chromedp.WaitVisible(chromedp.CSS("#link.online")))
}

func TestConsole_OnlineThenOffline(t *testing.T) {
	needBrowser(t)
	site := startConsoleSite(t)
	base, db, conf, point, organizer := site.base, site.db, site.conf, site.point, site.organizer
	ctx := context.Background()
	timeout := consoleTimeout
	online := func() (bool, string) {
		var b struct {
			Items []struct {
				Online      bool   `json:"online"`
				ChairName   string `json:"chairName"`
				ChairStatus string `json:"chairStatus"`
			} `json:"items"`
		}
		if err := json.Unmarshal([]byte(apiGet(t, base, fmt.Sprintf("/api/v1/conferences/%d/board", conf.ID), organizer)), &b); err != nil || len(b.Items) != 1 {
			t.Fatalf("board: %v", err)
		}
		return b.Items[0].Online, b.Items[0].ChairName + "/" + b.Items[0].ChairStatus
	}

	// The console runs in a tab of its own; closing the tab is the room's screen going
	// dark.
	bctx, closeBrowser := chromedp.NewContext(browser(t))
	defer closeBrowser()
	// The first run opens the tab; it must not carry a timeout (chromedp.Run).
	if err := chromedp.Do(bctx); err != nil {
		t.Fatalf("open a tab: %v", err)
	}
	chairConsole(t, bctx, site)
	mustSay(t, bctx, "Điểm cầu Sở Tư pháp", "Đã kết nối", "QUÉT MÃ ĐỂ ĐIỂM DANH")
	dark := value(t, bctx, "the code is drawn", chromedp.Evaluate[int](`(() => {
		const c = document.getElementById("qr-checkin"), d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
		let n = 0; for (let i = 0; i < d.length; i += 4) if (d[i] < 128) n++; return n; })()`))
	if dark < 1000 {
		t.Errorf("the check-in code canvas has %d dark pixels; want a drawn code", dark)
	}
	shoot(t, bctx, "console")

	deadline := time.Now().Add(5 * time.Second)
	for {
		on, chair := online()
		if on {
			if chair != "Lê Quý Đôn/ok" {
				t.Errorf("chair on the board: %q, want the secretary, rule ok", chair)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the board never showed the point online")
		}
		time.Sleep(100 * time.Millisecond)
	}

	// The room's screen goes dark: the browser closes.
	closeBrowser()
	closedAt := time.Now()
	for {
		if on, _ := online(); !on {
			t.Logf("offline on the board %s after the browser closed", time.Since(closedAt).Round(time.Millisecond))
			break
		}
		if time.Since(closedAt) > timeout+2*time.Second {
			t.Fatalf("still online %s after the browser closed; want offline within the timeout (%s) + 1 s", time.Since(closedAt), timeout)
		}
		time.Sleep(100 * time.Millisecond)
	}
	var intervals []attendance.PresenceInterval
	for time.Now().Before(closedAt.Add(5 * time.Second)) {
		intervals, _ = db.Presence(ctx, conf.ID, point.ID)
		if len(intervals) == 1 && intervals[0].EndedAt != nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if len(intervals) != 1 || intervals[0].EndedAt == nil || !strings.Contains("closed ice_failed heartbeat_timeout", intervals[0].EndReason) {
		t.Errorf("presence intervals %+v, want one, ended", intervals)
	}
}

// TestConsole_RoomView: the console sends its (fake) camera; an organizer opens the
// room view in another browser and receives the video through the server.
func TestConsole_RoomView(t *testing.T) {
	needBrowser(t)
	site := startConsoleSite(t)
	room := browser(t)
	step(t, room, "turn the camera on", chromedp.Navigate(site.base+"/vi/login"),
		chromedp.Evaluate[chromedp.Void](`localStorage.setItem("diemcau.camera", "1")`))
	chairConsole(t, room, site)
	if on := value(t, room, "camera box", chromedp.Evaluate[bool](`document.getElementById("camera").checked`)); !on {
		t.Fatal("the camera box is not checked")
	}

	viewer := browser(t)
	step(t, viewer, "organizer signs in", chromedp.Navigate(site.base+"/vi/login"),
		chromedp.SendKeys(chromedp.CSS("#login"), "bantochuc"),
		chromedp.SendKeys(chromedp.CSS("#password"), "mật-khẩu-ban-tổ-chức"),
		chromedp.Submit(chromedp.CSS("#login-form")))
	waitPage(t, viewer, "/vi/admin/")
	deadline := time.Now().Add(15 * time.Second)
	for {
		step(t, viewer, "open the room view", chromedp.Navigate(fmt.Sprintf("%s/vi/admin/points/%d/view", site.base, site.point.ID)))
		waitPage(t, viewer, "/vi/admin/points/")
		got := 0
		for i := 0; i < 40 && got == 0; i++ {
			got = value(t, viewer, "video size", chromedp.Evaluate[int](`document.getElementById("room").videoWidth`))
			time.Sleep(100 * time.Millisecond)
		}
		if got > 0 {
			mustSay(t, viewer, "Trực tiếp — không ghi hình")
			shoot(t, viewer, "room-view")
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("no video in the room view; the page says:\n%s", text(t, viewer))
		}
	}
}
