package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/diemcau/diemcau/attendance"
	"github.com/diemcau/diemcau/bridge"
)

// TestRoster_Live: the chair's roster follows the point's events without a reload —
// an arrival raises the count and the row, an undo shows as undone with who, when
// and why — and it filters by name without diacritics and to the members missing.
func TestRoster_Live(t *testing.T) {
	needBrowser(t)
	s := startSite(t)
	ctx := context.Background()
	const pin = "246802"
	code := "CB-TG"
	org := attendance.Organization{Code: &code, Name: "Chi bộ Ban Tuyên giáo Tỉnh uỷ", Kind: attendance.KindChiBo}
	if err := s.db.CreateOrganization(ctx, &org); err != nil {
		t.Fatal(err)
	}
	for _, m := range []attendance.Member{
		{Code: "DV000101", FullName: "Nguyễn Thị Thuỳ Dương", Position: attendance.PositionSecretary},
		{Code: "DV000102", FullName: "Trần Văn Đức", Position: attendance.PositionMember},
		{Code: "DV000103", FullName: "Lê Thị Hồng", Position: attendance.PositionMember},
		{Code: "DV000104", FullName: "Phạm Minh Tuấn", Position: attendance.PositionMember},
	} {
		m.OrganizationID, m.Active = org.ID, true
		if err := s.db.CreateMember(ctx, &m, pin); err != nil {
			t.Fatal(err)
		}
	}
	start := time.Now().Add(-5 * time.Minute).Truncate(time.Minute)
	conf := attendance.Conference{Title: "Hội nghị học tập, quán triệt Nghị quyết Đại hội XIV của Đảng", StartsAt: start,
		EndsAt: start.Add(3 * time.Hour), CheckinLead: 30 * time.Minute, LateGrace: 10 * time.Minute, EarlyLeaveGrace: 10 * time.Minute}
	if err := s.db.CreateConference(ctx, &conf); err != nil {
		t.Fatal(err)
	}
	point := attendance.Point{ConferenceID: conf.ID, Name: "Điểm cầu Ban Tuyên giáo", OrganizationIDs: []int64{org.ID}}
	if err := s.db.CreatePoint(ctx, &point); err != nil {
		t.Fatal(err)
	}
	if _, err := s.db.TransitionConference(ctx, conf.ID, "start"); err != nil {
		t.Fatal(err)
	}

	b := browser(t)
	step(t, b, "laptop size", chromedp.EmulateViewport(1366, 768))
	step(t, b, "open the member sign-in", chromedp.Navigate(s.base+"/vi/login?mode=member"))
	step(t, b, "the chair signs in",
		chromedp.SendKeys(chromedp.CSS("#memberCode"), "DV000101"),
		chromedp.SendKeys(chromedp.CSS("#pin"), pin),
		chromedp.Click(chromedp.CSS("#login-form button[type=submit]")),
	)
	signedIn := false
	for range 40 { // the form posts and the browser moves on: ask the page that is there now
		c, cancel := context.WithTimeout(b, time.Second)
		p, err := chromedp.Run(c, chromedp.Evaluate[string](`document.readyState === "complete" ? location.pathname : ""`))
		cancel()
		if err == nil && p != "" && !strings.HasSuffix(p, "/login") {
			signedIn = true
			break
		}
		time.Sleep(250 * time.Millisecond)
	}
	if !signedIn {
		t.Fatal("the chair's sign-in did not leave the sign-in page")
	}
	rosterPage := fmt.Sprintf("/vi/chair/points/%d", point.ID)
	step(t, b, "open the roster", chromedp.Navigate(s.base+rosterPage))
	waitPage(t, b, rosterPage)
	mustSay(t, b, "Trần Văn Đức", "Chưa có mặt")
	// Give the page's stream a moment to open before anything happens.
	step(t, b, "stream open", chromedp.Sleep(500*time.Millisecond))

	// A member checks in from their phone: the count and the row change by themselves.
	sign := bridge.NewSigner([]byte("diemcau-e2e-secret-0123456789"), 30*time.Second)
	token := sign.Sign(sign.Current(bridge.KindCheckIn, conf.ID, point.ID, time.Now()))
	var in struct {
		CheckIn struct{ ID int64 } `json:"checkIn"`
	}
	postJSON(t, s.base+"/api/v1/checkins", "", fmt.Sprintf(`{"token":%q,"memberCode":"DV000102","pin":%q,"key":"roster-live-0001"}`, token, pin), 201, &in)
	step(t, b, "the count rises", chromedp.Poll[chromedp.Void](`document.getElementById("count-in").innerText === "1"`,
		chromedp.WithPollingTimeout(5*time.Second)))
	step(t, b, "the row is present", chromedp.Poll[chromedp.Void](`document.querySelector('tr[data-member="DV000102"]').dataset.status === "present"`,
		chromedp.WithPollingTimeout(5*time.Second)))

	// The chair undoes it from elsewhere: the row says undone, by whom, when and why.
	chair := apiLogin(t, s.base, `{"memberCode":"DV000101","pin":"246802"}`)
	postJSON(t, fmt.Sprintf("%s/api/v1/checkins/%d/undo", s.base, in.CheckIn.ID), chair, `{"reason":"Nhầm người"}`, 200, nil)
	step(t, b, "the row shows the undo", chromedp.Poll[chromedp.Void](
		`document.querySelector('tr[data-member="DV000102"]').innerText.includes("Đã huỷ điểm danh lúc")`,
		chromedp.WithPollingTimeout(5*time.Second)))
	step(t, b, "open the day", chromedp.Click(chromedp.CSS(`tr[data-member="DV000102"] details.day summary`)))
	row := value(t, b, "read the row", chromedp.Evaluate[string](`document.querySelector('tr[data-member="DV000102"]').innerText`))
	for _, want := range []string{"Nhầm người", "Huỷ điểm danh bởi Nguyễn Thị Thuỳ Dương", "Điểm danh"} {
		if !strings.Contains(row, want) {
			t.Errorf("the undone row does not say %q; it says:\n%s", want, row)
		}
	}
	if got := value(t, b, "count", chromedp.Evaluate[string](`document.getElementById("count-in").innerText`)); got != "0" {
		t.Errorf("count after the undo: %q, want 0", got)
	}
	shoot(t, b, "chair-roster-live")

	// Search without diacritics, then the missing only.
	visible := func() []string {
		return value(t, b, "visible rows", chromedp.Evaluate[[]string](
			`Array.from(document.querySelectorAll("#roster tbody tr")).filter(r => !r.hidden).map(r => r.dataset.member)`))
	}
	step(t, b, "search", chromedp.SendKeys(chromedp.CSS("#roster-search"), "tran van duc"))
	if got := visible(); len(got) != 1 || got[0] != "DV000102" {
		t.Errorf("search 'tran van duc': rows %v, want DV000102 alone", got)
	}
	step(t, b, "clear the search", chromedp.Evaluate[chromedp.Void](
		`(() => { const i = document.getElementById("roster-search"); i.value = ""; i.dispatchEvent(new Event("input")); })()`))
	postJSON(t, s.base+"/api/v1/checkins", "", fmt.Sprintf(`{"token":%q,"memberCode":"DV000103","pin":%q,"key":"roster-live-0002"}`, token, pin), 201, nil)
	step(t, b, "the second arrival", chromedp.Poll[chromedp.Void](`document.getElementById("count-in").innerText === "1"`,
		chromedp.WithPollingTimeout(5*time.Second)))
	step(t, b, "missing only", chromedp.Click(chromedp.CSS("#missing-only")))
	got := strings.Join(visible(), ",")
	if strings.Contains(got, "DV000103") || !strings.Contains(got, "DV000104") || !strings.Contains(got, "DV000102") {
		t.Errorf("missing only: rows %s, want the missing (DV000102 undone, DV000104) without DV000103", got)
	}
}

// postJSON sends body to url and decodes the answer into out, failing on another status.
func postJSON(t *testing.T, url, token, body string, status int, out any) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var raw json.RawMessage
	json.NewDecoder(resp.Body).Decode(&raw)
	if resp.StatusCode != status {
		t.Fatalf("POST %s: %d %s, want %d", url, resp.StatusCode, raw, status)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			t.Fatal(err)
		}
	}
}
