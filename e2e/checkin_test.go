package e2e

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image/png"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/diemcau/diemcau/api"
	"github.com/diemcau/diemcau/attendance"
	"github.com/diemcau/diemcau/bridge"
	"github.com/diemcau/diemcau/internal/testdb"
	"github.com/makiuchi-d/gozxing"
	gzqr "github.com/makiuchi-d/gozxing/qrcode"
)

// TestCheckIn_PhoneScansAndChecksIn decodes the console's served QR code, opens the
// link in Chromium as a phone would, signs in with member code and PIN, and sees the
// success screen; the next scan on the same phone takes one tap.
func TestCheckIn_PhoneScansAndChecksIn(t *testing.T) {
	needBrowser(t)
	ctx := context.Background()
	db := testdb.MustOpen(t, testdb.Targets(t)[0].Config)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	log := slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	srv, err := api.NewServer(log, db, api.Config{Secret: []byte("diemcau-e2e-secret-0123456789"), PublicURL: base})
	if err != nil {
		t.Fatal(err)
	}
	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := hs.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			t.Errorf("serve: %v", err)
		}
	}()
	t.Cleanup(func() { hs.Close() })

	code := "CB-TG"
	org := attendance.Organization{Code: &code, Name: "Chi bộ Ban Tuyên giáo Tỉnh uỷ", Kind: attendance.KindChiBo}
	if err := db.CreateOrganization(ctx, &org); err != nil {
		t.Fatal(err)
	}
	for _, m := range []attendance.Member{
		{Code: "DV000101", FullName: "Nguyễn Thị Thuỳ Dương", Position: attendance.PositionSecretary},
		{Code: "DV000102", FullName: "Trần Văn Đức", Position: attendance.PositionMember},
	} {
		m.OrganizationID, m.Active = org.ID, true
		if err := db.CreateMember(ctx, &m, "246802"); err != nil {
			t.Fatal(err)
		}
	}
	// A member of another chi bộ, not invited at this point.
	otherCode := "CB-YT"
	other := attendance.Organization{Code: &otherCode, Name: "Chi bộ Sở Y tế", Kind: attendance.KindChiBo}
	if err := db.CreateOrganization(ctx, &other); err != nil {
		t.Fatal(err)
	}
	stranger := attendance.Member{Code: "DV000201", FullName: "Võ Thị Sáu", Position: attendance.PositionMember,
		OrganizationID: other.ID, Active: true}
	if err := db.CreateMember(ctx, &stranger, "246802"); err != nil {
		t.Fatal(err)
	}
	start := time.Now().Add(5 * time.Minute).Truncate(time.Minute)
	conf := attendance.Conference{Title: "Hội nghị học tập, quán triệt Nghị quyết Đại hội XIV của Đảng", StartsAt: start,
		EndsAt: start.Add(3 * time.Hour), CheckinLead: 30 * time.Minute, LateGrace: 10 * time.Minute, EarlyLeaveGrace: 10 * time.Minute}
	if err := db.CreateConference(ctx, &conf); err != nil {
		t.Fatal(err)
	}
	point := attendance.Point{ConferenceID: conf.ID, Name: "Điểm cầu Ban Tuyên giáo", OrganizationIDs: []int64{org.ID}}
	if err := db.CreatePoint(ctx, &point); err != nil {
		t.Fatal(err)
	}
	if _, err := db.TransitionConference(ctx, conf.ID, "start"); err != nil {
		t.Fatal(err)
	}

	// The chair's console shows the code; the phone's camera reads it.
	chair := apiLogin(t, base, `{"memberCode":"DV000101","pin":"246802"}`)
	scan := func() string {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, fmt.Sprintf("%s/api/v1/points/%d/qr/checkin.png", base, point.ID), nil)
		req.Header.Set("Authorization", "Bearer "+chair)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		img, err := png.Decode(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("QR image: %v (%d)", err, resp.StatusCode)
		}
		bmp, _ := gozxing.NewBinaryBitmapFromImage(img)
		res, err := gzqr.NewQRCodeReader().Decode(bmp, nil)
		if err != nil {
			t.Fatalf("read QR: %v", err)
		}
		return res.GetText()
	}
	link := scan()
	if !strings.HasPrefix(link, base+"/c/") {
		t.Fatalf("QR link %q, want %s/c/…", link, base)
	}

	b := browser(t)
	step(t, b, "phone size", chromedp.EmulateViewport(412, 915, chromedp.EmulateMobile, chromedp.EmulateTouch))
	step(t, b, "open the scanned link", chromedp.Navigate(link))
	waitPage(t, b, "/en/c/")
	mustSay(t, b, "Điểm cầu Ban Tuyên giáo", "Member code", "PIN")
	step(t, b, "switch to Vietnamese", chromedp.Click(chromedp.CSS(`a[hreflang="vi"]`)))
	waitPage(t, b, "/vi/c/")
	mustSay(t, b, "ĐIỂM DANH", "Mã đảng viên", "Mã PIN")
	shoot(t, b, "checkin-form")
	step(t, b, "sign in and check in",
		chromedp.SendKeys(chromedp.CSS("#memberCode"), "DV000102"),
		chromedp.SendKeys(chromedp.CSS("#pin"), "246802"),
		chromedp.Click(chromedp.CSS("#submit")),
		chromedp.WaitVisible(chromedp.CSS("#outcome.ok")),
	)
	mustSay(t, b, "Đã điểm danh", "Trần Văn Đức", "Điểm cầu Ban Tuyên giáo")
	shoot(t, b, "checkin-done")

	// Next scan on the same phone: one tap.
	step(t, b, "scan again", chromedp.Navigate(strings.Replace(scan(), base+"/c/", base+"/vi/c/", 1)))
	waitPage(t, b, "/vi/c/")
	mustSay(t, b, "Trần Văn Đức", "Xác nhận có mặt")
	// "Không phải tôi" is a tap target an elderly finger hits (≥ 44 px), and the help
	// text is at least body size.
	if h := value(t, b, "measure not-me", chromedp.Evaluate[float64](`document.getElementById("not-me").getBoundingClientRect().height`)); h < 44 {
		t.Errorf("the not-me link is %.0f px high, want ≥ 44", h)
	}
	step(t, b, "one tap", chromedp.Click(chromedp.CSS("#submit")), chromedp.WaitVisible(chromedp.CSS("#outcome.info")))
	mustSay(t, b, "Đồng chí đã điểm danh trước đó")

	// "Not me": someone not invited here signs in on the same phone and is told so.
	step(t, b, "scan again: not me", chromedp.Navigate(strings.Replace(scan(), base+"/c/", base+"/vi/c/", 1)+"?forget=1"))
	step(t, b, "a stranger signs in",
		chromedp.WaitVisible(chromedp.CSS("#memberCode")),
		chromedp.SendKeys(chromedp.CSS("#memberCode"), "DV000201"),
		chromedp.SendKeys(chromedp.CSS("#pin"), "246802"),
		chromedp.Click(chromedp.CSS("#submit")),
		chromedp.WaitVisible(chromedp.CSS("#outcome.fail")),
	)
	mustSay(t, b, "Đồng chí không có tên trong danh sách mời tại điểm cầu này", "Hãy báo chủ trì điểm cầu")
	shoot(t, b, "checkin-not-invited")

	// A member types the code in small letters with a space and a wrong PIN: they are
	// told how many tries are left; the fifth wrong PIN says until when the lock lasts.
	step(t, b, "scan again: another member", chromedp.Navigate(strings.Replace(scan(), base+"/c/", base+"/vi/c/", 1)+"?forget=1"))
	step(t, b, "the form", chromedp.WaitVisible(chromedp.CSS("#memberCode")))
	if fs := value(t, b, "help size", chromedp.Evaluate[float64](`parseFloat(getComputedStyle(document.querySelector(".help")).fontSize)`)); fs < 16 {
		t.Errorf("the help text is %.1f px, want ≥ 16", fs)
	}
	for i := range 5 {
		step(t, b, fmt.Sprintf("wrong PIN %d", i+1),
			chromedp.SetValue(chromedp.CSS("#memberCode"), " dv000101 "),
			chromedp.SetValue(chromedp.CSS("#pin"), "000000"),
			chromedp.Click(chromedp.CSS("#submit")),
		)
		want := fmt.Sprintf("Còn %d lần thử", 4-i)
		if i == 4 {
			step(t, b, "locked", chromedp.WaitVisible(chromedp.CSS("#outcome.fail")))
			mustSay(t, b, "Tạm khoá do nhập sai mã PIN nhiều lần", "Tạm khoá đến", "chủ trì điểm cầu")
			shoot(t, b, "checkin-locked")
			break
		}
		step(t, b, "told the tries left", chromedp.Poll[chromedp.Void](fmt.Sprintf(`document.getElementById("progress").innerText.includes(%q)`, want),
			chromedp.WithPollingTimeout(10*time.Second)))
	}

	// A photo of the code opened an hour later: the page says the code expired, with a
	// heading of its own (axe checks it with the rest of the page).
	sign := bridge.NewSigner([]byte("diemcau-e2e-secret-0123456789"), 30*time.Second)
	old := sign.Sign(sign.Current(bridge.KindCheckIn, conf.ID, point.ID, time.Now().Add(-time.Hour)))
	step(t, b, "open an old code", chromedp.Navigate(base+"/vi/c/"+old))
	step(t, b, "the refusal", chromedp.WaitVisible(chromedp.CSS("#outcome.fail")))
	if n := value(t, b, "headings", chromedp.Evaluate[int](`document.querySelectorAll("h1").length`)); n != 1 {
		t.Errorf("the expired-code page has %d h1 headings, want 1", n)
	}
	shoot(t, b, "checkin-expired")

	roster := apiGet(t, base, fmt.Sprintf("/api/v1/points/%d/roster", point.ID), chair)
	if !strings.Contains(roster, `"present":1`) {
		t.Errorf("roster after the phone's check-in: %s", roster)
	}
}

func apiLogin(t *testing.T, base, body string) string {
	t.Helper()
	resp, err := http.Post(base+"/api/v1/auth/login", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	i := strings.Index(string(b), `"token":"`)
	if resp.StatusCode != 200 || i < 0 {
		t.Fatalf("sign in: %d %s", resp.StatusCode, b)
	}
	rest := string(b)[i+9:]
	return rest[:strings.Index(rest, `"`)]
}

func apiGet(t *testing.T, base, path, token string) string {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, base+path, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}
