package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image/png"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/diemcau/diemcau/api"
	"github.com/diemcau/diemcau/attendance"
	"github.com/diemcau/diemcau/attendance/sqlstore"
	"github.com/diemcau/diemcau/bridge"
	"github.com/diemcau/diemcau/internal/testdb"
	"github.com/makiuchi-d/gozxing"
	gzqr "github.com/makiuchi-d/gozxing/qrcode"
)

// ciClock is a clock the test moves; the server and the store share it.
type ciClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *ciClock) Now() time.Time           { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *ciClock) Add(d time.Duration)      { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }
func (c *ciClock) Set(t time.Time)          { c.mu.Lock(); c.t = t; c.mu.Unlock() }
func ciSigner(secret []byte) *bridge.Signer { return bridge.NewSigner(secret, 30*time.Second) }

var ciSecret = []byte("check-in test secret, long enough to sign")

// ciEnv is a running server over a real store with a live conference: point A for chi
// bộ A (chair A1, members A2, A3), point B for chi bộ B (chair B1, member B2), and C1
// who is invited nowhere.
type ciEnv struct {
	srv       *httptest.Server
	db        *sqlstore.DB
	clock     *ciClock
	conf      attendance.Conference
	pA, pB    attendance.Point
	m         map[string]attendance.Member
	organizer string
}

const ciPIN = "135790"

func ciSetup(t *testing.T, tg testdb.Target) *ciEnv {
	t.Helper()
	ctx := context.Background()
	start := time.Date(2026, 2, 7, 1, 0, 0, 0, time.UTC) // 08:00 in Vietnam
	e := &ciEnv{clock: &ciClock{t: start.Add(-10 * time.Minute)}, m: map[string]attendance.Member{}}
	cfg := tg.Config
	cfg.Now = e.clock.Now
	e.db = testdb.MustOpen(t, cfg)
	org := func(parent *int64, code, name string, kind attendance.OrgKind) int64 {
		o := attendance.Organization{ParentID: parent, Code: &code, Name: name, Kind: kind}
		if err := e.db.CreateOrganization(ctx, &o); err != nil {
			t.Fatal(err)
		}
		return o.ID
	}
	root := org(nil, "R", "Đảng bộ Khối các cơ quan tỉnh", attendance.KindDangBo)
	a := org(&root, "A", "Chi bộ Ban Tuyên giáo Tỉnh uỷ", attendance.KindChiBo)
	b := org(&root, "B", "Chi bộ Sở Tư pháp", attendance.KindChiBo)
	c := org(&root, "C", "Chi bộ Sở Y tế", attendance.KindChiBo)
	for _, m := range []attendance.Member{
		{Code: "A1", FullName: "Nguyễn Thị Thuỳ Dương", OrganizationID: a, Position: attendance.PositionSecretary},
		{Code: "A2", FullName: "Trần Văn Đức", OrganizationID: a, Position: attendance.PositionMember},
		{Code: "A3", FullName: "Hoàng Thị Hải Yến", OrganizationID: a, Position: attendance.PositionMember},
		{Code: "B1", FullName: "Lê Quý Đôn", OrganizationID: b, Position: attendance.PositionSecretary},
		{Code: "B2", FullName: "Phạm Văn Đồng", OrganizationID: b, Position: attendance.PositionMember},
		{Code: "C1", FullName: "Võ Thị Sáu", OrganizationID: c, Position: attendance.PositionMember},
	} {
		m.Active = true
		if err := e.db.CreateMember(ctx, &m, ciPIN); err != nil {
			t.Fatal(err)
		}
		e.m[m.Code] = m
	}
	acc := attendance.Account{Login: "bantochuc", Role: attendance.RoleOrganizer, Active: true}
	if err := e.db.CreateAccount(ctx, &acc, "mật-khẩu-ban-tổ-chức"); err != nil {
		t.Fatal(err)
	}
	e.conf = attendance.Conference{Title: "Hội nghị quán triệt Nghị quyết Đại hội XIV", StartsAt: start, EndsAt: start.Add(3 * time.Hour),
		CheckinLead: 30 * time.Minute, LateGrace: 10 * time.Minute, EarlyLeaveGrace: 10 * time.Minute}
	if err := e.db.CreateConference(ctx, &e.conf); err != nil {
		t.Fatal(err)
	}
	e.pA = attendance.Point{ConferenceID: e.conf.ID, Name: "Điểm cầu Ban Tuyên giáo", Location: "Phòng họp tầng 2", OrganizationIDs: []int64{a}}
	e.pB = attendance.Point{ConferenceID: e.conf.ID, Name: "Điểm cầu Sở Tư pháp", OrganizationIDs: []int64{b}}
	for _, p := range []*attendance.Point{&e.pA, &e.pB} {
		if err := e.db.CreatePoint(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := e.db.TransitionConference(ctx, e.conf.ID, "start"); err != nil {
		t.Fatal(err)
	}
	var srv *api.Server
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { srv.ServeHTTP(w, r) })
	e.srv = httptest.NewServer(handler)
	t.Cleanup(e.srv.Close)
	var err error
	srv, err = api.NewServer(slog.New(slog.DiscardHandler), e.db, api.Config{Secret: ciSecret, PublicURL: e.srv.URL,
		Now: e.clock.Now, QRRotate: 30 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	e.organizer = e.login(t, map[string]string{"login": "bantochuc", "password": "mật-khẩu-ban-tổ-chức"})
	return e
}

// phone is a browser with its own cookies, as a member's phone.
func (e *ciEnv) phone() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

type ciResp struct {
	Status int
	Body   []byte
	Header http.Header
}

func (r ciResp) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.Body, &m); err != nil {
		t.Fatalf("decode %d %s: %v", r.Status, r.Body, err)
	}
	return m
}

func (r ciResp) problemType(t *testing.T) string {
	t.Helper()
	s, _ := r.json(t)["type"].(string)
	return s
}

func (e *ciEnv) do(t *testing.T, client *http.Client, method, path, token string, body any) ciResp {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, e.srv.URL+path, rd)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if client == nil {
		client = e.phone()
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return ciResp{Status: resp.StatusCode, Body: b, Header: resp.Header}
}

func (e *ciEnv) login(t *testing.T, body map[string]string) string {
	t.Helper()
	r := e.do(t, nil, http.MethodPost, "/api/v1/auth/login", "", body)
	if r.Status != http.StatusOK {
		t.Fatalf("sign in %v: %d %s", body, r.Status, r.Body)
	}
	return r.json(t)["token"].(string)
}

// scanPNG decodes a served QR image with gozxing, a decoder independent of the
// encoder, and returns the link in it.
func scanPNG(t *testing.T, b []byte) string {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("decode PNG: %v", err)
	}
	bmp, _ := gozxing.NewBinaryBitmapFromImage(img)
	res, err := gzqr.NewQRCodeReader().Decode(bmp, nil)
	if err != nil {
		t.Fatalf("read QR: %v", err)
	}
	return res.GetText()
}

func tokenOf(link string) string { return link[strings.LastIndex(link, "/")+1:] }

var ticketRe = regexp.MustCompile(`name="ticket" value="([^"]+)"`)

// openLink follows a scanned link on a phone: the short link redirects to the page in
// the phone's language; the page holds a ticket.
func (e *ciEnv) openLink(t *testing.T, phone *http.Client, link string) (ciResp, string) {
	t.Helper()
	u, err := url.Parse(link)
	if err != nil || !strings.HasPrefix(link, e.srv.URL) {
		t.Fatalf("link %q is not on the server %s", link, e.srv.URL)
	}
	req, _ := http.NewRequest(http.MethodGet, link, nil)
	req.Header.Set("Accept-Language", "vi-VN,vi;q=0.9")
	resp, err := phone.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != "/vi"+u.Path {
		t.Fatalf("GET %s: got %d to %q, want 302 to /vi%s", u.Path, resp.StatusCode, resp.Header.Get("Location"), u.Path)
	}
	page := e.do(t, phone, http.MethodGet, "/vi"+u.Path, "", nil)
	m := ticketRe.FindSubmatch(page.Body)
	if m == nil {
		return page, ""
	}
	return page, string(m[1])
}

func TestCheckIn_ScanToRoster(t *testing.T) {
	for _, tg := range testdb.Targets(t) {
		t.Run(tg.Name, func(t *testing.T) {
			e := ciSetup(t, tg)
			chair := e.login(t, map[string]string{"memberCode": "A1", "pin": ciPIN})

			img := e.do(t, nil, http.MethodGet, fmt.Sprintf("/api/v1/points/%d/qr/checkin.png?size=400", e.pA.ID), chair, nil)
			if img.Status != http.StatusOK || img.Header.Get("Content-Type") != "image/png" {
				t.Fatalf("checkin.png: got %d %s", img.Status, img.Header.Get("Content-Type"))
			}
			link := scanPNG(t, img.Body)
			phone := e.phone()
			page, ticket := e.openLink(t, phone, link)
			if page.Status != http.StatusOK || ticket == "" || !bytes.Contains(page.Body, []byte("Điểm cầu Ban Tuyên giáo")) {
				t.Fatalf("phone page: got %d without ticket or point name:\n%s", page.Status, page.Body)
			}

			// The member submits slowly: the code rotates twice, the ticket still works.
			e.clock.Add(65 * time.Second)
			r := e.do(t, phone, http.MethodPost, "/api/v1/checkins", "", map[string]string{
				"ticket": ticket, "memberCode": "A2", "pin": ciPIN, "key": "phone-a2-key-1"})
			if r.Status != http.StatusCreated {
				t.Fatalf("check-in: got %d %s, want 201", r.Status, r.Body)
			}
			got := r.json(t)
			if got["memberName"] != "Trần Văn Đức" || got["result"] != "created" || got["late"] != false {
				t.Errorf("got %v", got)
			}
			first := got["checkIn"].(map[string]any)["id"]

			t.Run("retry with the same key", func(t *testing.T) {
				r := e.do(t, phone, http.MethodPost, "/api/v1/checkins", "", map[string]string{
					"ticket": ticket, "memberCode": "A2", "pin": ciPIN, "key": "phone-a2-key-1"})
				if r.Status != http.StatusCreated || r.json(t)["checkIn"].(map[string]any)["id"] != first {
					t.Errorf("got %d %s, want the first answer", r.Status, r.Body)
				}
			})
			t.Run("one tap next time", func(t *testing.T) {
				r := e.do(t, phone, http.MethodPost, "/api/v1/checkins", "", map[string]string{"ticket": ticket, "key": "phone-a2-key-2"})
				if r.Status != http.StatusOK || r.json(t)["result"] != "already" {
					t.Errorf("got %d %s, want 200 already", r.Status, r.Body)
				}
				fresh := scanPNG(t, e.do(t, nil, http.MethodGet, fmt.Sprintf("/api/v1/points/%d/qr/checkin.png", e.pA.ID), chair, nil).Body)
				page, _ := e.openLink(t, phone, fresh)
				if !bytes.Contains(page.Body, []byte("Trần Văn Đức")) {
					t.Errorf("the page does not offer the one-tap confirmation for the known member")
				}
			})
			t.Run("the photo of the code stops working", func(t *testing.T) {
				r := e.do(t, nil, http.MethodPost, "/api/v1/checkins", "", map[string]string{
					"token": tokenOf(link), "memberCode": "A3", "pin": ciPIN, "key": "photo-a3-key-1"})
				if r.Status != http.StatusGone || r.problemType(t) != "/problems/token-expired" {
					t.Errorf("got %d %s, want 410 token-expired", r.Status, r.Body)
				}
				page := e.do(t, nil, http.MethodGet, "/vi/c/"+tokenOf(link), "", nil)
				if page.Status != http.StatusGone || !bytes.Contains(page.Body, []byte("Mã QR đã hết hạn")) {
					t.Errorf("page: got %d, want 410 with «Mã QR đã hết hạn»", page.Status)
				}
			})
			t.Run("shared phone is flagged", func(t *testing.T) {
				fresh := scanPNG(t, e.do(t, nil, http.MethodGet, fmt.Sprintf("/api/v1/points/%d/qr/checkin.png", e.pA.ID), chair, nil).Body)
				_, tk := e.openLink(t, phone, fresh)
				r := e.do(t, phone, http.MethodPost, "/api/v1/checkins", "", map[string]string{
					"ticket": tk, "memberCode": "A3", "pin": ciPIN, "key": "phone-a3-key-1"})
				flags, _ := r.json(t)["checkIn"].(map[string]any)["flags"].([]any)
				if r.Status != http.StatusCreated || fmt.Sprint(flags) != "[shared_device unconfirmed]" {
					t.Errorf("got %d %s, want 201 flagged shared_device", r.Status, r.Body)
				}
			})
			t.Run("roster", func(t *testing.T) {
				r := e.do(t, nil, http.MethodGet, fmt.Sprintf("/api/v1/points/%d/roster", e.pA.ID), chair, nil)
				got := r.json(t)
				counts := got["counts"].(map[string]any)
				if got["expected"] != 3.0 || counts["present"] != 2.0 || counts["missing"] != 1.0 {
					t.Errorf("got %s, want 3 expected, 2 present, 1 missing (the chair)", r.Body)
				}
				other := e.do(t, nil, http.MethodGet, fmt.Sprintf("/api/v1/points/%d/roster", e.pB.ID), chair, nil)
				if other.Status != http.StatusNotFound {
					t.Errorf("chair A reads point B's roster: got %d, want 404", other.Status)
				}
			})
		})
	}
}

func TestCheckIn_Refusals(t *testing.T) {
	for _, tg := range testdb.Targets(t) {
		t.Run(tg.Name, func(t *testing.T) {
			e := ciSetup(t, tg)
			sign := ciSigner(ciSecret)
			now := e.clock.Now()
			current := sign.Sign(sign.Current(bridge.KindCheckIn, e.conf.ID, e.pA.ID, now))
			forged := ciSigner([]byte("somebody else's secret, not ours at all")).Sign(sign.Current(bridge.KindCheckIn, e.conf.ID, e.pA.ID, now))
			materials := sign.Sign(bridge.Token{Kind: bridge.KindMaterials, ConferenceID: e.conf.ID, PointID: e.pA.ID})
			otherConf := sign.Sign(sign.Current(bridge.KindCheckIn, e.conf.ID+1, e.pA.ID, now))
			future := sign.Sign(sign.Current(bridge.KindCheckIn, e.conf.ID, e.pA.ID, now.Add(time.Minute)))
			tests := []struct {
				name   string
				body   map[string]string
				status int
				kind   string
			}{
				{"forged", map[string]string{"token": forged, "memberCode": "A2", "pin": ciPIN, "key": "refusal-key-01"}, 403, "token-forged"},
				{"malformed", map[string]string{"token": "not-a-token", "memberCode": "A2", "pin": ciPIN, "key": "refusal-key-02"}, 400, "token-malformed"},
				{"materials code", map[string]string{"token": materials, "memberCode": "A2", "pin": ciPIN, "key": "refusal-key-03"}, 400, "token-kind"},
				{"other conference", map[string]string{"token": otherConf, "memberCode": "A2", "pin": ciPIN, "key": "refusal-key-04"}, 400, "token-conference"},
				{"not yet valid", map[string]string{"token": future, "memberCode": "A2", "pin": ciPIN, "key": "refusal-key-05"}, 425, "token-not-yet-valid"},
				{"not invited", map[string]string{"token": current, "memberCode": "C1", "pin": ciPIN, "key": "refusal-key-06"}, 403, "not-invited"},
				{"wrong PIN", map[string]string{"token": current, "memberCode": "A2", "pin": "000000", "key": "refusal-key-07"}, 401, "bad-credentials"},
				{"no key", map[string]string{"token": current, "memberCode": "A2", "pin": ciPIN}, 422, "validation"},
				{"no token", map[string]string{"memberCode": "A2", "pin": ciPIN, "key": "refusal-key-08"}, 422, "validation"},
				{"no member", map[string]string{"token": current, "key": "refusal-key-09"}, 422, "validation"},
				{"key with NUL", map[string]string{"token": current, "memberCode": "A2", "pin": ciPIN, "key": "refusal\x00key-10"}, 400, "malformed"},
				{"key not ASCII", map[string]string{"token": current, "memberCode": "A2", "pin": ciPIN, "key": "khoá-điểm-danh-11"}, 422, "validation"},
				{"member code with NUL", map[string]string{"token": current, "memberCode": "A\x002", "pin": ciPIN, "key": "refusal-key-12"}, 400, "malformed"},
			}
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					r := e.do(t, nil, http.MethodPost, "/api/v1/checkins", "", tt.body)
					if r.Status != tt.status || r.problemType(t) != "/problems/"+tt.kind {
						t.Errorf("got %d %s, want %d %s", r.Status, r.Body, tt.status, tt.kind)
					}
				})
			}
			t.Run("locked after wrong PINs", func(t *testing.T) {
				for i := range 5 {
					e.do(t, nil, http.MethodPost, "/api/v1/checkins", "", map[string]string{"token": current, "memberCode": "A3",
						"pin": "000000", "key": fmt.Sprintf("wrong-pin-key-%d", i)})
				}
				r := e.do(t, nil, http.MethodPost, "/api/v1/checkins", "", map[string]string{"token": current, "memberCode": "A3",
					"pin": ciPIN, "key": "right-pin-key-1"})
				if r.Status != http.StatusTooManyRequests || r.problemType(t) != "/problems/locked" {
					t.Errorf("the right PIN after 5 wrong ones: got %d %s, want 429 locked", r.Status, r.Body)
				}
			})
			t.Run("not open yet", func(t *testing.T) {
				e.clock.Add(-2 * time.Hour)
				defer e.clock.Add(2 * time.Hour)
				tok := sign.Sign(sign.Current(bridge.KindCheckIn, e.conf.ID, e.pA.ID, e.clock.Now()))
				r := e.do(t, nil, http.MethodPost, "/api/v1/checkins", "", map[string]string{"token": tok, "memberCode": "A2", "pin": ciPIN, "key": "early-key-001"})
				if r.Status != http.StatusConflict || r.problemType(t) != "/problems/checkin-not-open" {
					t.Errorf("got %d %s, want 409 checkin-not-open", r.Status, r.Body)
				}
			})
			t.Run("printed code is flagged", func(t *testing.T) {
				static := sign.Sign(bridge.Token{Kind: bridge.KindStatic, ConferenceID: e.conf.ID, PointID: e.pB.ID})
				r := e.do(t, nil, http.MethodPost, "/api/v1/checkins", "", map[string]string{"token": static, "memberCode": "B2", "pin": ciPIN, "key": "static-key-01"})
				flags := r.json(t)["checkIn"].(map[string]any)["flags"]
				if r.Status != http.StatusCreated || fmt.Sprint(flags) != "[static_qr]" {
					t.Errorf("got %d %s, want 201 flagged static_qr", r.Status, r.Body)
				}
			})
			t.Run("checked in elsewhere is a move", func(t *testing.T) {
				r := e.do(t, nil, http.MethodPost, "/api/v1/checkins", "", map[string]string{"token": current, "memberCode": "B2", "pin": ciPIN, "key": "move-key-0001"})
				if r.Status != http.StatusOK || r.json(t)["result"] != "moved" || r.json(t)["wrongPoint"] != true {
					t.Errorf("got %d %s, want moved and wrongPoint", r.Status, r.Body)
				}
			})
		})
	}
}

// TestCheckIn_Concurrent sends the same member's check-in from 50 goroutines at once
// over HTTP: exactly one check-in results.
func TestCheckIn_Concurrent(t *testing.T) {
	for _, tg := range testdb.Targets(t) {
		t.Run(tg.Name, func(t *testing.T) {
			e := ciSetup(t, tg)
			sign := ciSigner(ciSecret)
			tok := sign.Sign(sign.Current(bridge.KindCheckIn, e.conf.ID, e.pA.ID, e.clock.Now()))
			var wg sync.WaitGroup
			statuses := make(chan int, 50)
			for i := range 50 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					r := e.do(t, nil, http.MethodPost, "/api/v1/checkins", "", map[string]string{"token": tok, "memberCode": "A2",
						"pin": ciPIN, "key": fmt.Sprintf("concurrent-key-%02d", i%5)})
					statuses <- r.Status
				}()
			}
			wg.Wait()
			close(statuses)
			for s := range statuses {
				if s != http.StatusCreated && s != http.StatusOK {
					t.Errorf("a concurrent check-in got %d", s)
				}
			}
			r := e.do(t, nil, http.MethodGet, fmt.Sprintf("/api/v1/points/%d/roster", e.pA.ID), e.organizer, nil)
			counts := r.json(t)["counts"].(map[string]any)
			if counts["present"] != 1.0 {
				t.Errorf("roster: got %v, want exactly one present", counts)
			}
		})
	}
}

func TestCheckIn_ChairTools(t *testing.T) {
	for _, tg := range testdb.Targets(t) {
		t.Run(tg.Name, func(t *testing.T) {
			e := ciSetup(t, tg)
			chair := e.login(t, map[string]string{"memberCode": "A1", "pin": ciPIN})
			member := e.login(t, map[string]string{"memberCode": "A2", "pin": ciPIN})
			path := fmt.Sprintf("/api/v1/points/%d/checkins", e.pA.ID)

			if r := e.do(t, nil, http.MethodPost, path, chair, map[string]any{"memberId": e.m["A3"].ID}); r.Status != 422 {
				t.Errorf("manual without reason: got %d, want 422", r.Status)
			}
			if r := e.do(t, nil, http.MethodPost, path, member, map[string]any{"memberId": e.m["A3"].ID, "reason": "x"}); r.Status != 403 {
				t.Errorf("a member checks in another: got %d, want 403", r.Status)
			}
			if r := e.do(t, nil, http.MethodPost, fmt.Sprintf("/api/v1/points/%d/checkins", e.pB.ID), chair,
				map[string]any{"memberId": e.m["B2"].ID, "reason": "x"}); r.Status != 404 {
				t.Errorf("chair A at point B: got %d, want 404", r.Status)
			}
			r := e.do(t, nil, http.MethodPost, path, chair, map[string]any{"memberId": e.m["A3"].ID, "reason": "Điện thoại hết pin"})
			if r.Status != http.StatusCreated {
				t.Fatalf("manual: got %d %s", r.Status, r.Body)
			}
			ci := r.json(t)["checkIn"].(map[string]any)
			if fmt.Sprint(ci["flags"]) != "[manual]" || ci["reason"] != "Điện thoại hết pin" {
				t.Errorf("got %v, want flagged manual with the reason", ci)
			}
			id := int64(ci["id"].(float64))
			if r := e.do(t, nil, http.MethodPost, fmt.Sprintf("/api/v1/checkins/%d/undo", id), chair, map[string]any{}); r.Status != 422 {
				t.Errorf("undo without reason: got %d, want 422", r.Status)
			}
			if r := e.do(t, nil, http.MethodPost, fmt.Sprintf("/api/v1/checkins/%d/undo", id), chair, map[string]any{"reason": "Nhầm người"}); r.Status != 200 {
				t.Errorf("undo: got %d %s", r.Status, r.Body)
			}
			counts := e.do(t, nil, http.MethodGet, fmt.Sprintf("/api/v1/points/%d/roster", e.pA.ID), chair, nil).json(t)["counts"].(map[string]any)
			if counts["missing"] != 3.0 {
				t.Errorf("after undo: got %v, want all 3 missing", counts)
			}

			// A roll call: the chair starts it, the member answers by scanning its code.
			if r := e.do(t, nil, http.MethodPost, fmt.Sprintf("/api/v1/conferences/%d/rollcalls", e.conf.ID), chair, map[string]any{}); r.Status != 422 {
				t.Errorf("chair roll call of all points: got %d, want 422", r.Status)
			}
			r = e.do(t, nil, http.MethodPost, fmt.Sprintf("/api/v1/conferences/%d/rollcalls", e.conf.ID), chair, map[string]any{"pointId": e.pA.ID})
			if r.Status != http.StatusCreated {
				t.Fatalf("roll call: got %d %s", r.Status, r.Body)
			}
			link := scanPNG(t, e.do(t, nil, http.MethodGet, fmt.Sprintf("/api/v1/points/%d/qr/rollcall.png", e.pA.ID), chair, nil).Body)
			phone := e.phone()
			page, ticket := e.openLink(t, phone, link)
			if !bytes.Contains(page.Body, []byte("Điểm danh giữa giờ")) || ticket == "" {
				t.Fatalf("roll-call page: got %d %s", page.Status, page.Body)
			}
			if r := e.do(t, phone, http.MethodPost, "/api/v1/checkins", "", map[string]string{"ticket": ticket, "memberCode": "A2", "pin": ciPIN, "key": "rc-as-checkin"}); r.Status != 400 {
				t.Errorf("a roll-call ticket used to check in: got %d, want 400", r.Status)
			}
			r = e.do(t, phone, http.MethodPost, "/api/v1/rollcalls/answers", "", map[string]string{"ticket": ticket, "memberCode": "A2", "pin": ciPIN})
			if r.Status != http.StatusOK || r.json(t)["memberName"] != "Trần Văn Đức" {
				t.Fatalf("answer: got %d %s", r.Status, r.Body)
			}
			list := e.do(t, nil, http.MethodGet, fmt.Sprintf("/api/v1/conferences/%d/rollcalls?pointId=%d", e.conf.ID, e.pA.ID), chair, nil)
			items := list.json(t)["items"].([]any)
			if len(items) != 1 || items[0].(map[string]any)["answered"] != 1.0 {
				t.Errorf("roll calls: got %s, want one answered", list.Body)
			}
			e.clock.Add(6 * time.Minute)
			r = e.do(t, phone, http.MethodPost, "/api/v1/rollcalls/answers", "", map[string]string{"ticket": ticket, "memberCode": "A3", "pin": ciPIN})
			if r.Status != http.StatusGone {
				t.Errorf("answer after the window: got %d %s, want 410", r.Status, r.Body)
			}
		})
	}
}

func TestCheckIn_Materials(t *testing.T) {
	for _, tg := range testdb.Targets(t) {
		t.Run(tg.Name, func(t *testing.T) {
			e := ciSetup(t, tg)
			chair := e.login(t, map[string]string{"memberCode": "A1", "pin": ciPIN})
			upload := func(name string, data []byte, secret bool) ciResp {
				var buf bytes.Buffer
				w := multipart.NewWriter(&buf)
				fw, _ := w.CreateFormFile("file", name)
				fw.Write(data)
				w.WriteField("title", "Tài liệu "+name)
				if secret {
					w.WriteField("secret", "true")
				}
				w.Close()
				req, _ := http.NewRequest(http.MethodPost, fmt.Sprintf("%s/api/v1/conferences/%d/documents", e.srv.URL, e.conf.ID), &buf)
				req.Header.Set("Content-Type", w.FormDataContentType())
				req.Header.Set("Authorization", "Bearer "+e.organizer)
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				defer resp.Body.Close()
				b, _ := io.ReadAll(resp.Body)
				return ciResp{Status: resp.StatusCode, Body: b}
			}
			pdf := []byte("%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n")
			r := upload("nghi-quyet.pdf", pdf, false)
			if r.Status != http.StatusCreated || r.json(t)["contentType"] != "application/pdf" {
				t.Fatalf("upload PDF: got %d %s", r.Status, r.Body)
			}
			docID := int64(r.json(t)["id"].(float64))
			if r := upload("virus.pdf", []byte("MZ\x90\x00 this is a windows program"), false); r.Status != 422 {
				t.Errorf("an .exe named .pdf: got %d %s, want 422", r.Status, r.Body)
			}
			if r := upload("page.html", []byte("<html><script>alert(1)</script></html>"), false); r.Status != 422 {
				t.Errorf("HTML: got %d, want 422", r.Status)
			}
			secret := upload("mat.pdf", pdf, true)
			secretID := int64(secret.json(t)["id"].(float64))
			if r := e.do(t, nil, http.MethodGet, fmt.Sprintf("/api/v1/documents/%d", secretID), e.organizer, nil); r.Status != 403 {
				t.Errorf("secret document served: got %d, want 403", r.Status)
			}

			link := scanPNG(t, e.do(t, nil, http.MethodGet, fmt.Sprintf("/api/v1/points/%d/qr/materials.png", e.pA.ID), chair, nil).Body)
			phone := e.phone()
			e.openLink(t, phone, link) // sets the device cookie; no ticket on this page
			page := e.do(t, phone, http.MethodGet, "/vi/m/"+tokenOf(link), "", nil)
			if page.Status != 200 || !bytes.Contains(page.Body, []byte("Tài liệu nghi-quyet.pdf")) || bytes.Contains(page.Body, []byte("mat.pdf")) {
				t.Fatalf("materials page: got %d, want the open document and not the secret one:\n%s", page.Status, page.Body)
			}
			// An identified member (the phone checked in with PIN before) opens it.
			tok := ciSigner(ciSecret).Sign(ciSigner(ciSecret).Current(bridge.KindCheckIn, e.conf.ID, e.pA.ID, e.clock.Now()))
			e.do(t, phone, http.MethodPost, "/api/v1/checkins", "", map[string]string{"token": tok, "memberCode": "A2", "pin": ciPIN, "key": "mat-key-00001"})
			doc := e.do(t, phone, http.MethodGet, fmt.Sprintf("/vi/m/%s/d/%d", tokenOf(link), docID), "", nil)
			if doc.Status != 200 || doc.Header.Get("Content-Type") != "application/pdf" || !bytes.Equal(doc.Body, pdf) {
				t.Fatalf("open document: got %d %s", doc.Status, doc.Header.Get("Content-Type"))
			}
			mats := e.do(t, nil, http.MethodGet, fmt.Sprintf("/api/v1/points/%d/materials", e.pA.ID), chair, nil).json(t)
			if mats["opened"] != 1.0 || mats["notOpened"] != 2.0 {
				t.Errorf("materials: got %v, want 1 opened, 2 not", mats)
			}
		})
	}
}

// countingStore counts the point look-ups that reach the store, each taking as long
// as on a busy database.
type countingStore struct {
	*sqlstore.DB
	points atomic.Int64
}

func (s *countingStore) Point(ctx context.Context, sc attendance.Scope, id int64) (attendance.Point, error) {
	s.points.Add(1)
	time.Sleep(50 * time.Millisecond)
	return s.DB.Point(ctx, sc, id)
}

// TestCheckIn_PlaceLoadedOnce: a room's members scanning at the same moment cost one
// look-up of the point, not one each.
func TestCheckIn_PlaceLoadedOnce(t *testing.T) {
	tg := testdb.Targets(t)[0]
	e := ciSetup(t, tg)
	store := &countingStore{DB: e.db}
	srv, err := api.NewServer(slog.New(slog.DiscardHandler), store, api.Config{Secret: ciSecret, Now: e.clock.Now,
		QRRotate: 30 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	sign := ciSigner(ciSecret)
	tok := sign.Sign(sign.Current(bridge.KindCheckIn, e.conf.ID, e.pA.ID, e.clock.Now()))
	body, _ := json.Marshal(map[string]string{"token": tok})
	var wg sync.WaitGroup
	for range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, err := http.Post(ts.URL+"/api/v1/checkins/tickets", "application/json", bytes.NewReader(body))
			if err != nil {
				t.Error(err)
				return
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Errorf("ticket: %d", resp.StatusCode)
			}
		}()
	}
	wg.Wait()
	if n := store.points.Load(); n != 1 {
		t.Errorf("50 simultaneous scans loaded the point %d times, want 1", n)
	}
}

// downStore is a store whose database has gone away.
type downStore struct{ *sqlstore.DB }

func (downStore) MemberSignIn(context.Context, string, string, ...string) (attendance.Principal, []attendance.KeyState, error) {
	return attendance.Principal{}, nil, fmt.Errorf("member sign-in: %w: connection refused", attendance.ErrUnavailable)
}

// TestCheckIn_DatabaseDown: while the database cannot be reached a check-in is a 503
// the phone retries (Retry-After), in the caller's language, not a 500.
func TestCheckIn_DatabaseDown(t *testing.T) {
	e := ciSetup(t, testdb.Targets(t)[0])
	srv, err := api.NewServer(slog.New(slog.DiscardHandler), downStore{e.db}, api.Config{Secret: ciSecret, Now: e.clock.Now,
		QRRotate: 30 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	sign := ciSigner(ciSecret)
	tok := sign.Sign(sign.Current(bridge.KindCheckIn, e.conf.ID, e.pA.ID, e.clock.Now()))
	for lang, title := range map[string]string{"vi": "Cơ sở dữ liệu tạm thời chưa phản hồi", "en": "The database is not answering"} {
		body, _ := json.Marshal(map[string]string{"token": tok, "memberCode": "A2", "pin": ciPIN, "key": "down-key-0001"})
		req := httptest.NewRequest(http.MethodPost, "/api/v1/checkins", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept-Language", lang)
		w := httptest.NewRecorder()
		srv.ServeHTTP(w, req)
		var p struct{ Type, Title string }
		json.Unmarshal(w.Body.Bytes(), &p)
		if w.Code != http.StatusServiceUnavailable || w.Header().Get("Retry-After") != "5" || p.Type != "/problems/unavailable" ||
			!strings.HasPrefix(p.Title, title) {
			t.Errorf("%s: got %d (Retry-After %q) %s", lang, w.Code, w.Header().Get("Retry-After"), w.Body)
		}
	}
}

// TestCheckIn_RosterOnLeave: a member whose absence request the chair approved is on
// leave on the roster, the chair's page and in its counts, not missing; they can still
// be checked in by hand if they come.
func TestCheckIn_RosterOnLeave(t *testing.T) {
	for _, tg := range testdb.Targets(t) {
		t.Run(tg.Name, func(t *testing.T) {
			e := ciSetup(t, tg)
			ctx := context.Background()
			a3, _, err := e.db.MemberSignIn(ctx, "A3", ciPIN)
			if err != nil {
				t.Fatal(err)
			}
			chair, _, err := e.db.MemberSignIn(ctx, "A1", ciPIN)
			if err != nil {
				t.Fatal(err)
			}
			req, err := e.db.FileAbsence(ctx, a3, attendance.AbsenceInput{ConferenceID: e.conf.ID,
				Category: attendance.CategoryOmDau, Reason: "Nằm viện"})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := e.db.DecideAbsence(ctx, chair, req.ID, true, "Đồng ý"); err != nil {
				t.Fatal(err)
			}
			roster := e.do(t, nil, http.MethodGet, fmt.Sprintf("/api/v1/points/%d/roster", e.pA.ID), e.organizer, nil).json(t)
			counts := roster["counts"].(map[string]any)
			if counts["on_leave"] != 1.0 || counts["missing"] != 2.0 || roster["expected"] != 3.0 {
				t.Errorf("counts %v, expected %v: want 1 on leave, 2 missing of 3", counts, roster["expected"])
			}
			for _, en := range roster["entries"].([]any) {
				en := en.(map[string]any)
				if want := map[bool]string{true: "on_leave", false: "missing"}[en["memberCode"] == "A3"]; en["status"] != want {
					t.Errorf("%v: %v, want %s", en["memberCode"], en["status"], want)
				}
			}
			token := e.login(t, map[string]string{"memberCode": "A1", "pin": ciPIN})
			page := e.do(t, nil, http.MethodGet, fmt.Sprintf("/vi/chair/points/%d", e.pA.ID), token, nil)
			if page.Status != http.StatusOK || !strings.Contains(string(page.Body), `class="badge st-on_leave"`) {
				t.Errorf("chair page: %d, no member on leave", page.Status)
			}
		})
	}
}
