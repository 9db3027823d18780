package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	htmlpkg "html"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/diemcau/diemcau/api"
	"github.com/diemcau/diemcau/attendance"
	"github.com/diemcau/diemcau/attendance/sqlstore"
	"github.com/diemcau/diemcau/internal/testdb"
)

// The admin page tests sign in as a browser does (session cookie plus the CSRF field
// of the forms) and go through the whole handler, middleware included.

const admPassword = "mật-khẩu-thử-nghiệm"

// admEach runs fn on a fresh server over every database target.
func admEach(t *testing.T, fn func(t *testing.T, h *admServer)) {
	t.Helper()
	for _, tg := range testdb.Targets(t) {
		t.Run(tg.Name, func(t *testing.T) {
			cfg := tg.Config
			if tg.Name == "postgres" {
				cfg.URL = testdb.Schema(t, os.Getenv(testdb.EnvURL))
			} else {
				cfg.DataDir = t.TempDir()
			}
			db := testdb.MustOpen(t, cfg)
			errs := &admErrLog{}
			srv, err := api.NewServer(slog.New(errs), db, api.Config{Secret: []byte("diemcau-admin-page-test-secret"),
				LoginRatePerAddress: "1000-M", LoginRatePerLogin: "1000-M"})
			if err != nil {
				t.Fatalf("NewServer: %v", err)
			}
			t.Cleanup(func() {
				for _, l := range errs.lines() {
					t.Errorf("server logged an error: %s", l)
				}
			})
			fn(t, &admServer{h: srv, db: db})
		})
	}
}

type admServer struct {
	h  http.Handler
	db *sqlstore.DB
}

// admErrLog keeps what the server logs at error level: every 5xx.
type admErrLog struct {
	mu  sync.Mutex
	got []string
}

func (l *admErrLog) Enabled(_ context.Context, lv slog.Level) bool { return lv >= slog.LevelError }
func (l *admErrLog) Handle(_ context.Context, r slog.Record) error {
	var b strings.Builder
	b.WriteString(r.Message)
	r.Attrs(func(a slog.Attr) bool { b.WriteString(" " + a.String()); return true })
	l.mu.Lock()
	l.got = append(l.got, b.String())
	l.mu.Unlock()
	return nil
}
func (l *admErrLog) WithAttrs([]slog.Attr) slog.Handler { return l }
func (l *admErrLog) WithGroup(string) slog.Handler      { return l }
func (l *admErrLog) lines() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.got...)
}

// admBrowser is one signed-in browser: its cookies and the CSRF token of its session.
type admBrowser struct {
	t       *testing.T
	h       http.Handler
	cookies map[string]string
	csrf    string
}

// signIn creates a staff account with role and signs it in through the sign-in form.
func (s *admServer) signIn(t *testing.T, login string, role attendance.Role) *admBrowser {
	t.Helper()
	a := attendance.Account{Login: login, DisplayName: "Nguyễn Văn " + login, Role: role, Active: true}
	if err := s.db.CreateAccount(context.Background(), &a, admPassword); err != nil {
		t.Fatalf("create account %s: %v", login, err)
	}
	b := &admBrowser{t: t, h: s.h, cookies: map[string]string{}}
	res := b.send(http.MethodPost, "/vi/login", "application/x-www-form-urlencoded",
		strings.NewReader(url.Values{"login": {login}, "password": {admPassword}}.Encode()))
	if res.Code != http.StatusSeeOther || b.cookies["diemcau_session"] == "" {
		t.Fatalf("sign in %s: got %d %s, want 303 with a session cookie", login, res.Code, res.Body)
	}
	page := b.get("/vi/admin/")
	m := regexp.MustCompile(`name="_csrf" value="([^"]+)"`).FindStringSubmatch(page.Body.String())
	if page.Code != http.StatusOK || m == nil {
		t.Fatalf("admin home after sign-in: got %d, no CSRF field", page.Code)
	}
	b.csrf = m[1]
	return b
}

func (b *admBrowser) send(method, path, contentType string, body *strings.Reader) *httptest.ResponseRecorder {
	b.t.Helper()
	var req *http.Request
	if body == nil {
		req = httptest.NewRequest(method, path, nil)
	} else {
		req = httptest.NewRequest(method, path, body)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	req.Header.Set("Accept", "text/html")
	for k, v := range b.cookies {
		req.AddCookie(&http.Cookie{Name: k, Value: v})
	}
	rec := httptest.NewRecorder()
	b.h.ServeHTTP(rec, req)
	for _, c := range rec.Result().Cookies() {
		if c.MaxAge < 0 || c.Value == "" {
			delete(b.cookies, c.Name)
		} else {
			b.cookies[c.Name] = c.Value
		}
	}
	return rec
}

func (b *admBrowser) get(path string) *httptest.ResponseRecorder {
	b.t.Helper()
	return b.send(http.MethodGet, path, "", nil)
}

// post sends a form with the session's CSRF field.
func (b *admBrowser) post(path string, form url.Values) *httptest.ResponseRecorder {
	b.t.Helper()
	f := url.Values{"_csrf": {b.csrf}}
	for k, v := range form {
		f[k] = v
	}
	return b.send(http.MethodPost, path, "application/x-www-form-urlencoded", strings.NewReader(f.Encode()))
}

// follow checks that res redirects with 303 and fetches where it points.
func (b *admBrowser) follow(res *httptest.ResponseRecorder) *httptest.ResponseRecorder {
	b.t.Helper()
	if res.Code != http.StatusSeeOther {
		b.t.Fatalf("got %d, want 303; body:\n%s", res.Code, admText(res.Body.String()))
	}
	return b.get(res.Header().Get("Location"))
}

// upload sends a roster file to the import page.
func (b *admBrowser) upload(name string, data []byte) *httptest.ResponseRecorder {
	b.t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	if err := w.WriteField("_csrf", b.csrf); err != nil {
		b.t.Fatal(err)
	}
	fw, err := w.CreateFormFile("file", name)
	if err != nil {
		b.t.Fatal(err)
	}
	fw.Write(data)
	w.Close()
	return b.send(http.MethodPost, "/vi/admin/import", w.FormDataContentType(), strings.NewReader(buf.String()))
}

// admText is a page's visible text, tags removed and spaces collapsed, for messages
// and for checks that words appear together.
func admText(html string) string {
	html = regexp.MustCompile(`(?s)<(script|style)[^>]*>.*?</(script|style)>`).ReplaceAllString(html, " ")
	html = regexp.MustCompile(`<[^>]+>`).ReplaceAllString(html, " ")
	return strings.Join(strings.Fields(htmlpkg.UnescapeString(html)), " ")
}

func admWant(t *testing.T, res *httptest.ResponseRecorder, status int, words ...string) {
	t.Helper()
	if res.Code != status {
		t.Fatalf("got status %d, want %d; page:\n%s", res.Code, status, admText(res.Body.String()))
	}
	text := admText(res.Body.String())
	for _, w := range words {
		if !strings.Contains(text, w) {
			t.Errorf("page does not say %q; it says:\n%s", w, text)
		}
	}
}

func admOrg(t *testing.T, db *sqlstore.DB, parent *int64, code, name string, kind attendance.OrgKind) attendance.Organization {
	t.Helper()
	o := attendance.Organization{ParentID: parent, Code: &code, Name: name, Kind: kind}
	if err := db.CreateOrganization(context.Background(), &o); err != nil {
		t.Fatalf("create organization %s: %v", code, err)
	}
	return o
}

func admMember(t *testing.T, db *sqlstore.DB, org int64, code, name string, pos attendance.Position) attendance.Member {
	t.Helper()
	m := attendance.Member{Code: code, FullName: name, OrganizationID: org, Position: pos, Active: true}
	if err := db.CreateMember(context.Background(), &m, "2468"); err != nil {
		t.Fatalf("create member %s: %v", code, err)
	}
	return m
}

func admCount(t *testing.T, db *sqlstore.DB) (orgs, members, confs, accounts int64) {
	t.Helper()
	ctx, all, one := context.Background(), attendance.Scope{All: true}, attendance.Page{Size: 1}
	o, err1 := db.Organizations(ctx, attendance.OrganizationFilter{Scope: all, Page: one})
	m, err2 := db.Members(ctx, attendance.MemberFilter{Scope: all, Page: one})
	c, err3 := db.Conferences(ctx, attendance.ConferenceFilter{Scope: all, Page: one})
	a, err4 := db.Accounts(ctx, "", "", one)
	for _, err := range []error{err1, err2, err3, err4} {
		if err != nil {
			t.Fatal(err)
		}
	}
	return o.Total, m.Total, c.Total, a.Total
}

// admWorld is a small province: a đảng bộ with two chi bộ, members, a conference with
// a point.
type admWorld struct {
	root, cell1, cell2 attendance.Organization
	secretary          attendance.Member
	conf               attendance.Conference
	point              attendance.Point
}

func admSeed(t *testing.T, db *sqlstore.DB) admWorld {
	t.Helper()
	ctx := context.Background()
	var w admWorld
	w.root = admOrg(t, db, nil, "DBK", "Đảng bộ Khối các cơ quan tỉnh", attendance.KindDangBo)
	w.cell1 = admOrg(t, db, &w.root.ID, "CB01", "Chi bộ Văn phòng", attendance.KindChiBo)
	w.cell2 = admOrg(t, db, &w.root.ID, "CB02", "Chi bộ Ban Tuyên giáo", attendance.KindChiBo)
	w.secretary = admMember(t, db, w.cell1.ID, "DV0001", "Nguyễn Thị Thuỳ Dương", attendance.PositionSecretary)
	admMember(t, db, w.cell1.ID, "DV0002", "Trần Văn Đức", attendance.PositionDeputy)
	admMember(t, db, w.cell2.ID, "DV0003", "Hoàng Thị Hải Yến", attendance.PositionMember)
	start := time.Now().Add(24 * time.Hour).Truncate(time.Minute)
	w.conf = attendance.Conference{Title: "Hội nghị học tập Nghị quyết Đại hội XIV", StartsAt: start, EndsAt: start.Add(3 * time.Hour),
		CheckinLead: 30 * time.Minute, LateGrace: 10 * time.Minute, EarlyLeaveGrace: 10 * time.Minute}
	if err := db.CreateConference(ctx, &w.conf); err != nil {
		t.Fatal(err)
	}
	w.point = attendance.Point{ConferenceID: w.conf.ID, Name: "Điểm cầu Văn phòng", Location: "Phòng họp tầng 2",
		OrganizationIDs: []int64{w.cell1.ID}}
	if err := db.CreatePoint(ctx, &w.point); err != nil {
		t.Fatal(err)
	}
	return w
}

// admMessageIDs are the translation ids, none of which may show on a page as is.
func admMessageIDs(t *testing.T) []string {
	t.Helper()
	b, err := os.ReadFile("../web/i18n/en.json")
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]string
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	ids := make([]string, 0, len(m))
	for k := range m {
		ids = append(ids, k)
	}
	return ids
}

func TestAdminPages_Render(t *testing.T) {
	ids := admMessageIDs(t)
	admEach(t, func(t *testing.T, s *admServer) {
		w := admSeed(t, s.db)
		admin := s.signIn(t, "quantri", attendance.RoleAdmin)
		acc, _ := s.db.Accounts(context.Background(), "", "quantri", attendance.Page{})
		pages := []struct {
			path   string
			vi, en []string
		}{
			{"/admin/", []string{"Tổng quan", "Tổ chức đảng", "Đảng viên", "Hội nghị", "Tài khoản"},
				[]string{"Overview", "Party organizations", "Members", "Conferences", "Accounts"}},
			{"/admin/organizations", []string{"Chi bộ Văn phòng", "Chi bộ", "Đảng bộ", "CB01"},
				[]string{"Chi bộ Văn phòng", "Party cell (chi bộ)", "Party committee (đảng bộ)"}},
			{"/admin/organizations?q=tuyên", []string{"Chi bộ Ban Tuyên giáo", "1 kết quả"}, []string{"1 found"}},
			{"/admin/organizations/new", []string{"Thêm tổ chức đảng", "Mã tổ chức", "Trực thuộc"},
				[]string{"New organization", "Parent"}},
			{"/admin/organizations/" + admID(w.cell1.ID), []string{"Chi bộ Văn phòng", "Xoá", "Lưu"}, []string{"Delete", "Save"}},
			{"/admin/members", []string{"Nguyễn Thị Thuỳ Dương", "Bí thư", "Phó bí thư", "3 kết quả"},
				[]string{"Nguyễn Thị Thuỳ Dương", "Secretary", "Deputy secretary", "3 found"}},
			{"/admin/members?organizationId=" + admID(w.cell2.ID), []string{"Hoàng Thị Hải Yến", "1 kết quả"}, []string{"1 found"}},
			{"/admin/members?organizationId=" + admID(w.root.ID), []string{"3 kết quả"}, []string{"3 found"}},
			{"/admin/members?position=secretary&active=true&q=dương", []string{"DV0001", "1 kết quả"}, []string{"1 found"}},
			{"/admin/members/new", []string{"Thêm đảng viên", "Miễn sinh hoạt", "Mã PIN"}, []string{"New member", "Exempt"}},
			{"/admin/members/" + admID(w.secretary.ID), []string{"Nguyễn Thị Thuỳ Dương", "Đã có PIN"}, []string{"A PIN is set"}},
			{"/admin/import", []string{"Nhập danh sách", "Mã đảng viên", "Họ và tên", "Mã tổ chức", "Chức vụ",
				"Miễn sinh hoạt", "Điện thoại", "PIN", "CSV UTF-8", "XLSX"}, []string{"Import roster", "CSV UTF-8"}},
			{"/admin/conferences", []string{"Hội nghị học tập Nghị quyết Đại hội XIV", "Sắp diễn ra"}, []string{"Scheduled"}},
			{"/admin/conferences?status=live", []string{"0 kết quả"}, []string{"0 found"}},
			{"/admin/conferences/new", []string{"Tạo hội nghị", "Bí thư", "UTC+7"}, []string{"New conference", "Vietnam time"}},
			{"/admin/conferences/" + admID(w.conf.ID), []string{"Điểm cầu Văn phòng", "Phòng họp tầng 2", "Chi bộ Văn phòng",
				"2 người được mời", "Bắt đầu hội nghị", "Thêm điểm cầu"}, []string{"2 invited", "Start the conference", "Bridge points"}},
			{"/admin/conferences/" + admID(w.conf.ID) + "/edit", []string{"Sửa hội nghị"}, []string{"Edit conference"}},
			{"/admin/conferences/" + admID(w.conf.ID) + "/invitations", []string{"Thành phần mời", "Trần Văn Đức", "Theo danh sách"},
				[]string{"Invitees", "Roster"}},
			{"/admin/accounts", []string{"quantri", "Quản trị viên"}, []string{"Administrator"}},
			{"/admin/accounts/new", []string{"Tạo tài khoản", "Ít nhất 10 ký tự"}, []string{"New account"}},
			{"/admin/accounts/" + admID(acc.Items[0].ID), []string{"quantri", "không thể tự bỏ quyền quản trị"}, []string{"cannot remove your own"}},
		}
		for _, p := range pages {
			for lang, words := range map[string][]string{"vi": p.vi, "en": p.en} {
				t.Run(lang+p.path, func(t *testing.T) {
					res := admin.get("/" + lang + p.path)
					admWant(t, res, http.StatusOK, words...)
					body := res.Body.String()
					for _, id := range ids {
						if strings.Contains(body, id) {
							t.Errorf("page shows the message id %q untranslated", id)
						}
					}
					other := map[string]string{"vi": "en", "en": "vi"}[lang]
					if path, _, _ := strings.Cut(p.path, "?"); !strings.Contains(body, `href="/`+other+path) {
						t.Errorf("no language switch to /%s%s", other, path)
					}
				})
			}
		}
		t.Run("conference times in Vietnam", func(t *testing.T) {
			res := admin.get("/vi/admin/conferences/" + admID(w.conf.ID))
			want := w.conf.StartsAt.In(attendance.VietnamTime).Format("02/01/2006 15:04")
			admWant(t, res, http.StatusOK, want)
		})
		t.Run("unknown record", func(t *testing.T) {
			for _, p := range []string{"/vi/admin/organizations/999999", "/vi/admin/members/abc", "/vi/admin/conferences/999999",
				"/vi/admin/accounts/999999"} {
				if res := admin.get(p); res.Code != http.StatusNotFound || !strings.Contains(res.Body.String(), "<html") {
					t.Errorf("GET %s: got %d, want the 404 page", p, res.Code)
				}
			}
		})
		t.Run("signed out goes to sign-in", func(t *testing.T) {
			b := &admBrowser{t: t, h: s.h, cookies: map[string]string{}}
			res := b.get("/vi/admin/members")
			if res.Code != http.StatusSeeOther || !strings.HasPrefix(res.Header().Get("Location"), "/vi/login?next=") {
				t.Errorf("got %d %q, want 303 to the sign-in page", res.Code, res.Header().Get("Location"))
			}
		})
	})
}

// admID is an id as it appears in a path.
func admID(n int64) string { return strconv.FormatInt(n, 10) }

func TestAdminPages_CreateAndEdit(t *testing.T) {
	admEach(t, func(t *testing.T, s *admServer) {
		w := admSeed(t, s.db)
		admin := s.signIn(t, "quantri", attendance.RoleAdmin)

		t.Run("organization", func(t *testing.T) {
			res := admin.follow(admin.post("/vi/admin/organizations", url.Values{"parentId": {admID(w.root.ID)},
				"code": {"CB-KT"}, "name": {"Chi bộ Ủy ban Kiểm tra"}, "kind": {"chi_bo"}}))
			admWant(t, res, http.StatusOK, "Đã lưu.", "Chi bộ Ủy ban Kiểm tra", "CB-KT", "Đảng bộ Khối các cơ quan tỉnh")
		})
		t.Run("member with Vietnamese name", func(t *testing.T) {
			res := admin.follow(admin.post("/vi/admin/members", url.Values{"code": {"DV0100"}, "fullName": {"Lê Thị Ngọc Ánh"},
				"organizationId": {admID(w.cell2.ID)}, "position": {"deputy"}, "exempt": {"on"}, "phone": {"0912 000 111"},
				"pin": {"1357"}, "active": {"on"}}))
			admWant(t, res, http.StatusOK, "Đã lưu.", "Lê Thị Ngọc Ánh", "Chi bộ Ban Tuyên giáo", "Phó bí thư", "Miễn sinh hoạt")
			l, _ := s.db.Members(context.Background(), attendance.MemberFilter{Query: "DV0100", Scope: attendance.Scope{All: true}})
			if len(l.Items) != 1 || l.Items[0].FullName != "Lê Thị Ngọc Ánh" || !l.Items[0].Exempt || l.Items[0].PINHash == "" {
				t.Fatalf("stored %+v", l.Items)
			}
			m := l.Items[0]
			// Editing without a PIN keeps it; unticking active keeps the member, inactive.
			res = admin.follow(admin.post("/vi/admin/members/"+admID(m.ID), url.Values{"code": {"DV0100"},
				"fullName": {"Lê Thị Ngọc Ánh"}, "organizationId": {admID(w.cell2.ID)}, "position": {"member"}}))
			admWant(t, res, http.StatusOK, "Đã lưu.", "Đã có PIN")
			got, _ := s.db.Member(context.Background(), attendance.Scope{All: true}, m.ID)
			if got.PINHash != m.PINHash || got.Active || got.Exempt || got.Position != attendance.PositionMember {
				t.Errorf("after edit got %+v", got)
			}
		})
		t.Run("conference in Vietnam time", func(t *testing.T) {
			res := admin.post("/vi/admin/conferences", url.Values{"title": {"Hội nghị sơ kết quý I"},
				"hostOrganizationId": {admID(w.root.ID)}, "startsAt": {"2026-04-02T08:00"}, "endsAt": {"2026-04-02T11:30"},
				"checkinLeadMinutes": {"45"}, "lateGraceMinutes": {"15"}, "earlyLeaveGraceMinutes": {"5"},
				"invitePositions": {"secretary", "deputy"}})
			page := admin.follow(res)
			admWant(t, page, http.StatusOK, "Đã lưu.", "02/04/2026 08:00 – 11:30", "Bí thư, Phó bí thư",
				"Mở trước 45 phút")
			l, _ := s.db.Conferences(context.Background(), attendance.ConferenceFilter{Query: "sơ kết", Scope: attendance.Scope{All: true}})
			if len(l.Items) != 1 {
				t.Fatalf("got %d conferences", len(l.Items))
			}
			c := l.Items[0]
			if want := time.Date(2026, 4, 2, 1, 0, 0, 0, time.UTC); !c.StartsAt.Equal(want) || c.CheckinLead != 45*time.Minute {
				t.Errorf("stored starts %v lead %v, want %v and 45m", c.StartsAt, c.CheckinLead, want)
			}
			id := admID(c.ID)
			edit := admin.get("/vi/admin/conferences/" + id + "/edit")
			admWant(t, edit, http.StatusOK)
			if !strings.Contains(edit.Body.String(), `value="2026-04-02T08:00"`) {
				t.Errorf("edit form does not show the start in Vietnam time")
			}
			// A point with a chi bộ invites its members; the conference then starts.
			page = admin.follow(admin.post("/vi/admin/conferences/"+id+"/points", url.Values{"name": {"Điểm cầu Tuyên giáo"},
				"location": {"Hội trường B"}, "organizationIds": {admID(w.cell1.ID), admID(w.cell2.ID)}}))
			admWant(t, page, http.StatusOK, "Điểm cầu Tuyên giáo", "Hội trường B", "2 người được mời")
			page = admin.follow(admin.post("/vi/admin/conferences/"+id+"/start", nil))
			admWant(t, page, http.StatusOK, "Hội nghị đã bắt đầu.", "Đang diễn ra", "Kết thúc hội nghị")
			admWant(t, admin.get("/vi/admin/"), http.StatusOK, "Hội nghị sơ kết quý I")
			// Starting again is refused with the problem on the page.
			admWant(t, admin.post("/vi/admin/conferences/"+id+"/start", nil), http.StatusConflict,
				"Không thể thực hiện ở trạng thái hiện tại")
			admWant(t, admin.post("/vi/admin/conferences/"+id+"/delete", nil), http.StatusConflict,
				"Hội nghị đã bắt đầu nên không thể xoá.")
			// Removing an invitation goes back to the same filtered list.
			invs, _ := s.db.Invitations(context.Background(), attendance.InvitationFilter{ConferenceID: c.ID,
				Scope: attendance.Scope{All: true}})
			res = admin.post("/vi/admin/conferences/"+id+"/invitations/"+admID(invs.Items[0].ID)+"/delete",
				url.Values{"back": {"q=" + url.QueryEscape(invs.Items[0].FullName)}})
			admWant(t, admin.follow(res), http.StatusOK, "Đã bỏ mời.", "0 kết quả")
			// Closed, the page shows the audit log's head the report prints.
			admin.follow(admin.post("/vi/admin/conferences/"+id+"/end", nil))
			admin.follow(admin.post("/vi/admin/conferences/"+id+"/close", nil))
			closed, err := s.db.Conference(context.Background(), attendance.Scope{All: true}, c.ID)
			if err != nil {
				t.Fatal(err)
			}
			h, ok := closed.AuditHead()
			if !ok {
				t.Fatalf("closed conference has no audit head: %+v", closed)
			}
			admWant(t, admin.get("/vi/admin/conferences/"+id), http.StatusOK, "Đầu chuỗi nhật ký khi khoá sổ", h.Label())
			admWant(t, admin.get("/en/admin/conferences/"+id), http.StatusOK, "Audit log head at closing", h.Label())
		})
		t.Run("account", func(t *testing.T) {
			res := admin.follow(admin.post("/vi/admin/accounts", url.Values{"login": {"bantochuc"},
				"displayName": {"Văn phòng Tỉnh uỷ"}, "role": {"organizer"}, "password": {"một-mật-khẩu-dài"}}))
			admWant(t, res, http.StatusOK, "Đã lưu.", "bantochuc", "Văn phòng Tỉnh uỷ", "Ban tổ chức")
			me, _ := s.db.Accounts(context.Background(), "", "quantri", attendance.Page{})
			res = admin.post("/vi/admin/accounts/"+admID(me.Items[0].ID), url.Values{"displayName": {"X"}, "role": {"organizer"},
				"active": {"on"}})
			admWant(t, res, http.StatusUnprocessableEntity, "không thể tự bỏ quyền quản trị")
		})
	})
}

func TestAdminPages_BadInput(t *testing.T) {
	admEach(t, func(t *testing.T, s *admServer) {
		w := admSeed(t, s.db)
		admin := s.signIn(t, "quantri", attendance.RoleAdmin)
		tests := []struct {
			name  string
			path  string
			form  url.Values
			words []string // on the page, in Vietnamese
			// fields that must carry an error next to them
			fields []string
		}{
			{"organization without name or kind", "/vi/admin/organizations",
				url.Values{"code": {"CB-X"}, "name": {"  "}, "kind": {"x"}, "parentId": {"abc"}},
				[]string{"Dữ liệu không hợp lệ", "Bắt buộc nhập", "Phải là một trong các giá trị", "Không đúng định dạng"},
				[]string{"name", "kind", "parentId"}},
			{"organization with a code in use", "/vi/admin/organizations",
				url.Values{"code": {"CB01"}, "name": {"Chi bộ trùng mã"}, "kind": {"chi_bo"}},
				[]string{"Giá trị này đã có"}, []string{"code"}},
			{"member with bad PIN and phone", "/vi/admin/members",
				url.Values{"code": {"DV0200"}, "fullName": {""}, "organizationId": {admID(w.cell1.ID)}, "pin": {"12"},
					"phone": {"gọi tôi"}, "active": {"on"}},
				[]string{"Bắt buộc nhập", "Không đúng định dạng"}, []string{"fullName", "pin", "phone"}},
			{"member without organization", "/vi/admin/members",
				url.Values{"code": {"DV0201"}, "fullName": {"Phạm Văn Đồng"}},
				[]string{"Bắt buộc nhập"}, []string{"organizationId"}},
			{"conference ending before it starts", "/vi/admin/conferences",
				url.Values{"title": {"Hội nghị lỗi"}, "startsAt": {"2026-04-02T08:00"}, "endsAt": {"2026-04-02T07:00"},
					"checkinLeadMinutes": {"30"}, "lateGraceMinutes": {"10"}, "earlyLeaveGraceMinutes": {"10"}},
				[]string{"Phải sau"}, []string{"endsAt"}},
			{"conference with unreadable values", "/vi/admin/conferences",
				url.Values{"title": {""}, "startsAt": {"ngày mai"}, "endsAt": {""}, "checkinLeadMinutes": {"ba mươi"},
					"lateGraceMinutes": {"-5"}, "earlyLeaveGraceMinutes": {""}, "invitePositions": {"chairman"}},
				[]string{"Bắt buộc nhập", "Không đúng định dạng", "Nằm ngoài khoảng cho phép"},
				[]string{"title", "startsAt", "endsAt", "checkinLeadMinutes", "lateGraceMinutes", "earlyLeaveGraceMinutes", "invitePositions"}},
			{"point without name", "/vi/admin/conferences/" + admID(w.conf.ID) + "/points",
				url.Values{"name": {""}, "organizationIds": {"999999"}},
				[]string{"Bắt buộc nhập"}, []string{"name"}},
			{"account with short password", "/vi/admin/accounts",
				url.Values{"login": {"a b"}, "displayName": {"Ai đó"}, "role": {"admin"}, "password": {"ngắn"}},
				[]string{"Không đúng định dạng", "Nằm ngoài khoảng cho phép"}, []string{"login", "password"}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				o1, m1, c1, a1 := admCount(t, s.db)
				res := admin.post(tt.path, tt.form)
				admWant(t, res, http.StatusUnprocessableEntity, tt.words...)
				body := res.Body.String()
				for _, f := range tt.fields {
					re := regexp.MustCompile(`(?s)name="` + f + `"[^>]*aria-invalid="true".*?class="field-error"`)
					if !re.MatchString(body) {
						t.Errorf("field %s is not marked with its error", f)
					}
				}
				// What the user typed comes back, except secrets.
				if v := tt.form.Get("code"); v != "" && !strings.Contains(body, `value="`+v+`"`) {
					t.Errorf("the form lost the code %q", v)
				}
				if strings.Contains(body, `value="`+tt.form.Get("password")+`"`) && tt.form.Get("password") != "" {
					t.Errorf("the form shows the password back")
				}
				if o2, m2, c2, a2 := admCount(t, s.db); o1 != o2 || m1 != m2 || c1 != c2 || a1 != a2 {
					t.Errorf("something was stored: before %d/%d/%d/%d after %d/%d/%d/%d", o1, m1, c1, a1, o2, m2, c2, a2)
				}
			})
		}
		t.Run("English", func(t *testing.T) {
			res := admin.post("/en/admin/organizations", url.Values{"name": {""}, "kind": {"chi_bo"}})
			admWant(t, res, http.StatusUnprocessableEntity, "Invalid input", "Required")
		})
		t.Run("delete an organization in use", func(t *testing.T) {
			res := admin.post("/vi/admin/organizations/"+admID(w.root.ID)+"/delete", nil)
			admWant(t, res, http.StatusConflict, "Dữ liệu đang được sử dụng hoặc bị trùng", "không thể xoá",
				"Đảng bộ Khối các cơ quan tỉnh")
			if !strings.Contains(res.Body.String(), `href="/en/admin/organizations/`+admID(w.root.ID)+`"`) {
				t.Errorf("the language switch does not lead back to the organization")
			}
			if _, err := s.db.Organization(context.Background(), attendance.Scope{All: true}, w.root.ID); err != nil {
				t.Errorf("organization gone: %v", err)
			}
		})
		t.Run("delete an invited member", func(t *testing.T) {
			res := admin.post("/vi/admin/members/"+admID(w.secretary.ID)+"/delete", nil)
			admWant(t, res, http.StatusConflict, "Đang hoạt động")
		})
		t.Run("delete an unused organization", func(t *testing.T) {
			o := admOrg(t, s.db, nil, "TMP", "Tổ chức tạm", attendance.KindChiBo)
			admWant(t, admin.follow(admin.post("/vi/admin/organizations/"+admID(o.ID)+"/delete", nil)), http.StatusOK, "Đã xoá.")
		})
	})
}

func TestAdminPages_Guards(t *testing.T) {
	admEach(t, func(t *testing.T, s *admServer) {
		w := admSeed(t, s.db)
		admin := s.signIn(t, "quantri", attendance.RoleAdmin)
		supervisor := s.signIn(t, "kiemtra", attendance.RoleSupervisor)
		organizer := s.signIn(t, "bantochuc", attendance.RoleOrganizer)
		conf := "/vi/admin/conferences/" + admID(w.conf.ID)
		writes := []struct {
			path string
			form url.Values
			// organizer tells whether an organizer may do it.
			organizer bool
		}{
			{"/vi/admin/organizations", url.Values{"name": {"Chi bộ mới"}, "kind": {"chi_bo"}}, false},
			{"/vi/admin/organizations/" + admID(w.cell2.ID), url.Values{"name": {"Đổi tên"}, "kind": {"chi_bo"}}, false},
			{"/vi/admin/organizations/" + admID(w.cell2.ID) + "/delete", nil, false},
			{"/vi/admin/members", url.Values{"code": {"DV0300"}, "fullName": {"Người mới"}, "organizationId": {admID(w.cell1.ID)}}, false},
			{"/vi/admin/members/" + admID(w.secretary.ID) + "/delete", nil, false},
			{"/vi/admin/import", nil, false},
			{"/vi/admin/accounts", url.Values{"login": {"moi"}, "role": {"admin"}, "password": {"mật-khẩu-dài-lắm"}}, false},
			{"/vi/admin/conferences", url.Values{"title": {"Hội nghị mới"}, "startsAt": {"2026-05-01T08:00"},
				"endsAt": {"2026-05-01T10:00"}, "checkinLeadMinutes": {"30"}, "lateGraceMinutes": {"10"},
				"earlyLeaveGraceMinutes": {"10"}}, true},
			{conf + "/points", url.Values{"name": {"Điểm cầu mới"}}, true},
		}
		for _, wr := range writes {
			t.Run("supervisor "+wr.path, func(t *testing.T) {
				o1, m1, c1, a1 := admCount(t, s.db)
				admWant(t, supervisor.post(wr.path, wr.form), http.StatusForbidden, "Đồng chí không có quyền xem trang này")
				if o2, m2, c2, a2 := admCount(t, s.db); o1 != o2 || m1 != m2 || c1 != c2 || a1 != a2 {
					t.Errorf("something changed")
				}
			})
			t.Run("organizer "+wr.path, func(t *testing.T) {
				res := organizer.post(wr.path, wr.form)
				if wr.organizer && res.Code != http.StatusSeeOther {
					t.Errorf("got %d, want 303", res.Code)
				}
				if !wr.organizer && res.Code != http.StatusForbidden {
					t.Errorf("got %d, want 403", res.Code)
				}
			})
		}
		t.Run("supervisor reads without forms", func(t *testing.T) {
			for _, p := range []string{"/vi/admin/", "/vi/admin/organizations", "/vi/admin/members", "/vi/admin/conferences", conf,
				conf + "/invitations", "/vi/admin/members/" + admID(w.secretary.ID)} {
				res := supervisor.get(p)
				admWant(t, res, http.StatusOK)
				body := res.Body.String()
				if strings.Contains(body, `method="post" action="/vi/admin`) {
					t.Errorf("%s offers a form the supervisor may not send", p)
				}
			}
			for _, p := range []string{"/vi/admin/accounts", "/vi/admin/import", "/vi/admin/members/new", conf + "/edit"} {
				if res := supervisor.get(p); res.Code != http.StatusForbidden {
					t.Errorf("GET %s: got %d, want 403", p, res.Code)
				}
			}
		})
		t.Run("without CSRF field", func(t *testing.T) {
			o1, _, _, _ := admCount(t, s.db)
			form := url.Values{"name": {"Chi bộ giả mạo"}, "kind": {"chi_bo"}}
			res := admin.send(http.MethodPost, "/vi/admin/organizations", "application/x-www-form-urlencoded",
				strings.NewReader(form.Encode()))
			if res.Code != http.StatusForbidden {
				t.Errorf("got %d, want 403", res.Code)
			}
			form.Set("_csrf", supervisor.csrf) // another session's token
			res = admin.send(http.MethodPost, "/vi/admin/organizations", "application/x-www-form-urlencoded",
				strings.NewReader(form.Encode()))
			if res.Code != http.StatusForbidden {
				t.Errorf("with another session's token: got %d, want 403", res.Code)
			}
			if o2, _, _, _ := admCount(t, s.db); o2 != o1 {
				t.Errorf("organization created without CSRF token")
			}
		})
	})
}

func TestAdminPages_Import(t *testing.T) {
	admEach(t, func(t *testing.T, s *admServer) {
		admSeed(t, s.db)
		admin := s.signIn(t, "quantri", attendance.RoleAdmin)
		// As Excel's "CSV UTF-8" saves it in a Vietnamese locale: BOM, semicolons, CRLF.
		// The last name is in decomposed form (NFD), as some Mac software writes it: it
		// must come back byte for byte, not normalized.
		nfdName := "Ngo\u0302 Thi\u0323 Lan"
		good := "\ufeffSTT;Mã đảng viên;Họ và tên;Mã tổ chức;Chức vụ;Miễn sinh hoạt;Điện thoại;PIN\r\n" +
			"1;DV1001;Đặng Thị Mỹ Hạnh;CB01;Bí thư;;0912 345 678;1234\r\n" +
			"2;DV1002;Vũ Quốc Khánh;CB02;Phó bí thư;;;\r\n" +
			";;;;;;;\r\n" +
			"3;DV1003;" + nfdName + ";Chi bộ Ban Tuyên giáo;Đảng viên;x;;\r\n"
		t.Run("good file", func(t *testing.T) {
			_, before, _, _ := admCount(t, s.db)
			res := admin.upload("danh-sach.csv", []byte(good))
			admWant(t, admin.follow(res), http.StatusOK, "Đã nhập danh sách: thêm mới 3, cập nhật 0 đảng viên.")
			if _, after, _, _ := admCount(t, s.db); after != before+3 {
				t.Errorf("members: %d → %d, want 3 more", before, after)
			}
			list := admin.get("/vi/admin/members?q=DV100")
			admWant(t, list, http.StatusOK, "Đặng Thị Mỹ Hạnh", "Vũ Quốc Khánh", "Miễn sinh hoạt")
			if !strings.Contains(list.Body.String(), nfdName) {
				t.Errorf("the decomposed name is not listed byte for byte")
			}
			// The flash is shown once.
			admWant(t, admin.get("/vi/admin/import"), http.StatusOK)
			if strings.Contains(admin.get("/vi/admin/import").Body.String(), "thêm mới 3") {
				t.Errorf("the import result is shown again")
			}
			// The same file again updates.
			admWant(t, admin.follow(admin.upload("danh-sach.csv", []byte(good))), http.StatusOK, "thêm mới 0, cập nhật 3")
		})
		t.Run("one bad row", func(t *testing.T) {
			bad := "\ufeffMã đảng viên;Họ và tên;Mã tổ chức\r\n" +
				"DV2001;Lý Thường Kiệt;CB01\r\n" +
				"DV2002;Trần Hưng Đạo;CB99\r\n" +
				"DV2003;Ngô Quyền;CB02\r\n"
			_, before, _, _ := admCount(t, s.db)
			res := admin.upload("sai.csv", []byte(bad))
			admWant(t, res, http.StatusUnprocessableEntity, "Chưa nhập đảng viên nào",
				"Dòng 3 · Mã tổ chức «CB99»: không có tổ chức đảng nào có mã hoặc tên này")
			if strings.Contains(admText(res.Body.String()), "Dòng 2") || strings.Contains(admText(res.Body.String()), "Dòng 4") {
				t.Errorf("good lines reported as problems")
			}
			if _, after, _, _ := admCount(t, s.db); after != before {
				t.Errorf("members: %d → %d, want nothing imported", before, after)
			}
		})
		t.Run("problems in several lines", func(t *testing.T) {
			bad := "Mã đảng viên,Họ và tên,Mã tổ chức,Điện thoại\n" +
				"DV3001,,CB01,\n" +
				"DV3001,Bà Triệu,CB01,số lạ\n"
			res := admin.upload("sai.csv", []byte(bad))
			admWant(t, res, http.StatusUnprocessableEntity, "Dòng 2 · Họ và tên: bắt buộc, ô này đang trống",
				"Dòng 3 · Mã đảng viên «DV3001»: trùng mã với dòng 2", "Dòng 3 · Điện thoại «số lạ»: phải là số điện thoại")
		})
		t.Run("missing column", func(t *testing.T) {
			res := admin.upload("sai.csv", []byte("Mã đảng viên;Mã tổ chức\r\nDV1;CB01\r\n"))
			admWant(t, res, http.StatusUnprocessableEntity, "Dòng 1 · Họ và tên: dòng tiêu đề thiếu cột này")
		})
		t.Run("not a roster", func(t *testing.T) {
			res := admin.upload("anh.png", []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"))
			admWant(t, res, http.StatusUnprocessableEntity, "Loại tệp không được hỗ trợ")
		})
		t.Run("no file", func(t *testing.T) {
			res := admin.post("/vi/admin/import", nil)
			if res.Code != http.StatusUnsupportedMediaType && res.Code != http.StatusUnprocessableEntity {
				t.Errorf("got %d, want 415 or 422", res.Code)
			}
		})
	})
}

func TestAdminPages_Paging(t *testing.T) {
	admEach(t, func(t *testing.T, s *admServer) {
		w := admSeed(t, s.db)
		for i := range 60 {
			admMember(t, s.db, w.cell2.ID, fmt.Sprintf("PG%03d", i), fmt.Sprintf("Phạm Văn Trang %03d", i), attendance.PositionMember)
		}
		admin := s.signIn(t, "quantri", attendance.RoleAdmin)
		first := admin.get("/vi/admin/members?q=Trang&active=true")
		admWant(t, first, http.StatusOK, "60 kết quả", "1 / 2", "Phạm Văn Trang 049")
		if strings.Contains(first.Body.String(), "Phạm Văn Trang 050") {
			t.Errorf("page 1 shows a member of page 2")
		}
		next := regexp.MustCompile(`href="([^"]+)" rel="next"`).FindStringSubmatch(first.Body.String())
		if next == nil {
			t.Fatal("no link to the next page")
		}
		link := htmlpkg.UnescapeString(next[1])
		if !strings.Contains(link, "q=Trang") || !strings.Contains(link, "active=true") || !strings.Contains(link, "page=2") {
			t.Errorf("next page link %q loses the filters", link)
		}
		second := admin.get(link)
		admWant(t, second, http.StatusOK, "2 / 2", "Phạm Văn Trang 050", "Phạm Văn Trang 059")
		if !strings.Contains(second.Body.String(), `rel="prev"`) {
			t.Errorf("no link back to the first page")
		}
	})
}
