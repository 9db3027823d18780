package api

// These tests drive the report handlers through the whole server (middleware, roles,
// scope, the error table) over a real database.

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/diemcau/diemcau/attendance"
	"github.com/diemcau/diemcau/attendance/sqlstore"
	"github.com/diemcau/diemcau/bridge"
	"github.com/diemcau/diemcau/internal/testdb"
	"github.com/xuri/excelize/v2"
)

// rtT0 is 08:00 on 7 February 2026 in Vietnam, when the fixture conference starts.
var rtT0 = time.Date(2026, 2, 7, 1, 0, 0, 0, time.UTC)

type rtClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *rtClock) Now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *rtClock) Set(t time.Time) { c.mu.Lock(); c.t = t; c.mu.Unlock() }

// rtErrors fails the test on anything the server logs at error level (every 5xx).
type rtErrors struct {
	mu    sync.Mutex
	lines []string
}

func (h *rtErrors) Enabled(_ context.Context, l slog.Level) bool { return l >= slog.LevelError }
func (h *rtErrors) Handle(_ context.Context, r slog.Record) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	line := r.Message
	r.Attrs(func(a slog.Attr) bool { line += fmt.Sprintf(" %s=%v", a.Key, a.Value); return true })
	h.lines = append(h.lines, line)
	return nil
}
func (h *rtErrors) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *rtErrors) WithGroup(string) slog.Handler      { return h }

// rtWorld is the fixture: a conference held by a đảng uỷ under the province at two
// points, with a token for each kind of caller.
type rtWorld struct {
	srv                       *Server
	db                        *sqlstore.DB
	clk                       *rtClock
	conf                      attendance.Conference
	root, a, b                attendance.Organization
	pointA, pointB            attendance.Point
	secA, duc, yen, secB, mem attendance.Member
	tokens                    map[string]string
}

func mustReportWorld(t *testing.T, tg testdb.Target) *rtWorld {
	t.Helper()
	ctx := context.Background()
	w := &rtWorld{clk: &rtClock{t: rtT0.Add(-2 * time.Hour)}, tokens: map[string]string{}}
	cfg := tg.Config
	cfg.Now = w.clk.Now
	if tg.Name == "postgres" {
		cfg.URL = testdb.Schema(t, os.Getenv(testdb.EnvURL))
	} else {
		cfg.DataDir = t.TempDir()
	}
	w.db = testdb.MustOpen(t, cfg)
	logs := &rtErrors{}
	srv, err := NewServer(slog.New(logs), w.db, Config{Secret: []byte("report-test-secret-0123456789abcdef"), Now: w.clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		for _, l := range logs.lines {
			t.Errorf("server logged an error: %s", l)
		}
	})
	w.srv = srv
	db := w.db
	org := func(parent *int64, code, name string, kind attendance.OrgKind) attendance.Organization {
		o := attendance.Organization{ParentID: parent, Code: &code, Name: name, Kind: kind}
		if err := db.CreateOrganization(ctx, &o); err != nil {
			t.Fatal(err)
		}
		return o
	}
	member := func(o attendance.Organization, code, name string, pos attendance.Position) attendance.Member {
		m := attendance.Member{Code: code, FullName: name, OrganizationID: o.ID, Position: pos, Active: true}
		if err := db.CreateMember(ctx, &m, "123456"); err != nil {
			t.Fatal(err)
		}
		return m
	}
	province := org(nil, "HB", "Đảng bộ tỉnh Hoà Bình", attendance.KindDangBo)
	w.root = org(&province.ID, "DUK", "Đảng uỷ Khối các cơ quan tỉnh", attendance.KindDangBo)
	w.a = org(&w.root.ID, "CB-TG", "Chi bộ Ban Tuyên giáo Tỉnh uỷ", attendance.KindChiBo)
	w.b = org(&w.root.ID, "CB-TP", "Chi bộ Sở Tư pháp", attendance.KindChiBo)
	w.secA = member(w.a, "DV01", "Nguyễn Thị Thuỳ Dương", attendance.PositionSecretary)
	w.duc = member(w.a, "DV02", "Trần Văn Đức", attendance.PositionMember)
	w.yen = member(w.a, "DV03", "Hoàng Thị Hải Yến", attendance.PositionMember)
	w.secB = member(w.b, "DV11", "Lê Văn Bình", attendance.PositionSecretary)
	w.mem = member(w.b, "DV12", "Vũ Đình Khoa", attendance.PositionMember)
	accounts := map[string]attendance.Role{"admin": attendance.RoleAdmin, "organizer": attendance.RoleOrganizer,
		"supervisor": attendance.RoleSupervisor}
	var office attendance.Account
	for login, role := range accounts {
		a := attendance.Account{Login: login, DisplayName: "Văn phòng Đảng uỷ Khối", Role: role, Active: true}
		if err := db.CreateAccount(ctx, &a, "mật-khẩu-đủ-dài"); err != nil {
			t.Fatal(err)
		}
		if role == attendance.RoleOrganizer {
			office = a
		}
		p, err := db.AuthenticateStaff(ctx, login, "mật-khẩu-đủ-dài")
		if err != nil {
			t.Fatal(err)
		}
		if w.tokens[login], err = db.CreateSession(ctx, p, 48*time.Hour); err != nil {
			t.Fatal(err)
		}
	}
	for name, m := range map[string]attendance.Member{"chairA": w.secA, "chairB": w.secB, "member": w.duc, "other": w.mem} {
		p, _, err := db.MemberSignIn(ctx, m.Code, "123456")
		if err != nil {
			t.Fatal(err)
		}
		if w.tokens[name], err = db.CreateSession(ctx, p, 48*time.Hour); err != nil {
			t.Fatal(err)
		}
	}

	w.conf = attendance.Conference{Title: "Hội nghị quán triệt Nghị quyết Đại hội XIV", HostOrganizationID: &w.root.ID,
		StartsAt: rtT0, EndsAt: rtT0.Add(3 * time.Hour), CheckinLead: 30 * time.Minute, LateGrace: 10 * time.Minute,
		EarlyLeaveGrace: 10 * time.Minute}
	if err := db.CreateConference(ctx, &w.conf); err != nil {
		t.Fatal(err)
	}
	w.pointA = attendance.Point{ConferenceID: w.conf.ID, Name: "Điểm cầu Ban Tuyên giáo", OrganizationIDs: []int64{w.a.ID}}
	w.pointB = attendance.Point{ConferenceID: w.conf.ID, Name: "Điểm cầu Sở Tư pháp", OrganizationIDs: []int64{w.b.ID}}
	for _, p := range []*attendance.Point{&w.pointA, &w.pointB} {
		if err := db.CreatePoint(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.GenerateInvitations(ctx, w.conf.ID); err != nil {
		t.Fatal(err)
	}
	w.clk.Set(rtT0.Add(-20 * time.Minute))
	if _, err := db.TransitionConference(ctx, w.conf.ID, "start"); err != nil {
		t.Fatal(err)
	}
	g := db.Gorm().WithContext(ctx)
	decided := rtT0.Add(-time.Hour)
	ci := func(m attendance.Member, p attendance.Point, at time.Time) attendance.CheckIn {
		return attendance.CheckIn{ConferenceID: w.conf.ID, MemberID: m.ID, PointID: p.ID, At: at, Method: attendance.MethodQR,
			DeviceID: "d-" + m.Code, UpdatedAt: at}
	}
	manual := ci(w.duc, w.pointA, rtT0.Add(20*time.Minute))
	manual.Method, manual.Reason, manual.ByMemberID = attendance.MethodManual, "Quên điện thoại", &w.secA.ID
	rows := []any{
		&[]attendance.CheckIn{ci(w.secA, w.pointA, rtT0.Add(-10*time.Minute)), manual,
			ci(w.secB, w.pointB, rtT0.Add(-5*time.Minute))},
		&[]attendance.AbsenceRequest{{ConferenceID: w.conf.ID, MemberID: w.yen.ID, Kind: attendance.KindRequest,
			Category: attendance.CategoryOmDau, Reason: "Nằm viện điều trị, có giấy ra viện",
			Decision: attendance.Decision{Status: attendance.DecisionApproved, DecidedByAccountID: &office.ID, DecidedAt: &decided, DecisionNote: "Đồng ý"}}},
		&[]attendance.PresenceInterval{{ConferenceID: w.conf.ID, PointID: w.pointA.ID, ConnID: "a", ChairMemberID: &w.secA.ID,
			StartedAt: rtT0.Add(-25 * time.Minute), LastSeenAt: rtT0}},
	}
	for _, r := range rows {
		if err := g.Create(r).Error; err != nil {
			t.Fatal(err)
		}
	}
	w.clk.Set(rtT0.Add(90 * time.Minute))
	return w
}

// get serves a GET as the caller named by who ("" for nobody).
func (w *rtWorld) get(t *testing.T, who, target string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, target, nil)
	if who != "" {
		req.Header.Set("Authorization", "Bearer "+w.tokens[who])
	}
	rec := httptest.NewRecorder()
	w.srv.ServeHTTP(rec, req)
	return rec
}

func wantStatus(t *testing.T, rec *httptest.ResponseRecorder, status int, what string) {
	t.Helper()
	if rec.Code != status {
		b := rec.Body.String()
		t.Fatalf("%s: got %d %.400s, want %d", what, rec.Code, b, status)
	}
}

// wantField checks a 422 problem naming field with code.
func wantField(t *testing.T, rec *httptest.ResponseRecorder, field, code string) {
	t.Helper()
	wantStatus(t, rec, http.StatusUnprocessableEntity, field)
	var p problem
	if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(rec.Header().Get("Content-Type"), "application/problem+json") || p.Type != "/problems/validation" {
		t.Errorf("got %s %s, want a validation problem", rec.Header().Get("Content-Type"), p.Type)
	}
	for _, e := range p.Errors {
		if e.Field == field && e.Code == code {
			return
		}
	}
	t.Errorf("problem %+v, want %s %s", p.Errors, field, code)
}

// filename reads the UTF-8 file name of an attachment, checking its ASCII fallback.
func filename(t *testing.T, rec *httptest.ResponseRecorder, ext string) string {
	t.Helper()
	cd := rec.Header().Get("Content-Disposition")
	if !strings.HasPrefix(cd, "attachment; filename=\"") || !strings.Contains(cd, "; filename*=UTF-8''") {
		t.Fatalf("Content-Disposition %q, want attachment with filename and filename*", cd)
	}
	ascii := strings.TrimPrefix(cd, `attachment; filename="`)
	ascii = ascii[:strings.IndexByte(ascii, '"')]
	for _, r := range ascii {
		if r > 127 || strings.ContainsRune(`"\/ `, r) {
			t.Errorf("fallback file name %q is not plain ASCII", ascii)
			break
		}
	}
	if !strings.HasSuffix(ascii, "."+ext) {
		t.Errorf("fallback file name %q lacks .%s", ascii, ext)
	}
	_, params, err := mime.ParseMediaType(cd)
	if err != nil {
		t.Fatalf("parse Content-Disposition %q: %v", cd, err)
	}
	return params["filename"] // Go decodes filename* into filename
}

func TestReport_Conference(t *testing.T) {
	for _, tg := range testdb.Targets(t) {
		t.Run(tg.Name, func(t *testing.T) {
			w := mustReportWorld(t, tg)
			base := fmt.Sprintf("/api/v1/conferences/%d/report", w.conf.ID)

			t.Run("json", func(t *testing.T) {
				rec := w.get(t, "organizer", base)
				wantStatus(t, rec, 200, "json")
				var r conferenceReportJSON
				if err := json.Unmarshal(rec.Body.Bytes(), &r); err != nil {
					t.Fatal(err)
				}
				if r.Final || r.Conference.ID != w.conf.ID || r.Host == nil || r.Host.Name != w.root.Name || r.PointID != nil {
					t.Errorf("head: %+v", r)
				}
				tt := r.Totals
				if tt.Invited != 5 || tt.Present != 2 || tt.Late != 1 || tt.Excused != 1 || tt.Unexcused != 1 || tt.Rate == nil ||
					*tt.Rate != 0.6 || tt.Points != 2 || tt.ChairOK != 2 || tt.ChairNone != 0 {
					t.Errorf("totals: %+v", tt)
				}
				// Point B has no console; its secretary checked in, so he chaired
				// (docs/design.md §11).
				if b := r.Points[1]; b.Chair == nil || b.Chair.FullName != w.secB.FullName || b.ChairStatus != attendance.ChairOK {
					t.Errorf("point B without a console: chair %+v %s, want %s ok", b.Chair, b.ChairStatus, w.secB.FullName)
				}
				if len(r.Absentees) != 2 {
					t.Fatalf("absentees: %+v", r.Absentees)
				}
				yen := r.Absentees[0]
				if yen.FullName != "Hoàng Thị Hải Yến" || yen.Status != attendance.StatusExcused || yen.Request == nil ||
					yen.Request.DecidedBy == nil || *yen.Request.DecidedBy != "Văn phòng Đảng uỷ Khối" || yen.Request.DecidedAt == nil ||
					yen.Request.Note != "Đồng ý" {
					t.Errorf("excused absentee: %+v %+v", yen, yen.Request)
				}
				if khoa := r.Absentees[1]; khoa.Status != attendance.StatusUnexcused || khoa.Request != nil {
					t.Errorf("unexcused absentee: %+v", khoa)
				}
				if cc := rec.Header().Get("Cache-Control"); cc != "private, no-store" {
					t.Errorf("Cache-Control %q", cc)
				}
			})
			t.Run("csv", func(t *testing.T) {
				for part, want := range map[string]string{"": "Hoàng Thị Hải Yến", "absentees": "Hoàng Thị Hải Yến",
					"points": "Điểm cầu Ban Tuyên giáo", "flags": "Trần Văn Đức"} {
					target := base + "?format=csv"
					if part != "" {
						target += "&part=" + part
					}
					rec := w.get(t, "supervisor", target)
					wantStatus(t, rec, 200, target)
					if ct := rec.Header().Get("Content-Type"); ct != "text/csv; charset=utf-8" {
						t.Errorf("Content-Type %q", ct)
					}
					name := filename(t, rec, "csv")
					if !strings.HasPrefix(name, "Báo cáo Hội nghị quán triệt Nghị quyết Đại hội XIV 2026-02-07 – ") {
						t.Errorf("file name %q", name)
					}
					b := rec.Body.Bytes()
					if !bytes.HasPrefix(b, []byte("\ufeff")) {
						t.Fatalf("%s: no byte order mark", target)
					}
					rows, err := csv.NewReader(bytes.NewReader(b[3:])).ReadAll()
					if err != nil {
						t.Fatal(err)
					}
					if !strings.Contains(fmt.Sprint(rows), want) {
						t.Errorf("%s lacks %q: %q", target, want, rows)
					}
				}
			})
			t.Run("xlsx", func(t *testing.T) {
				rec := w.get(t, "admin", base+"?format=xlsx")
				wantStatus(t, rec, 200, "xlsx")
				if ct := rec.Header().Get("Content-Type"); ct != reportTypes[formatXLSX] {
					t.Errorf("Content-Type %q", ct)
				}
				filename(t, rec, "xlsx")
				f, err := excelize.OpenReader(bytes.NewReader(rec.Body.Bytes()))
				if err != nil {
					t.Fatal(err)
				}
				defer f.Close()
				v, err := f.GetCellValue(attendance.SheetAbsentees, "C2")
				if err != nil || v != "Hoàng Thị Hải Yến" {
					t.Errorf("absentee C2: %q, %v", v, err)
				}
			})
			t.Run("pdf provisional", func(t *testing.T) {
				rec := w.get(t, "organizer", base+"?format=pdf&place=Ho%C3%A0%20B%C3%ACnh&number=12-BC%2F%C4%90UK")
				wantStatus(t, rec, 200, "pdf")
				if !bytes.HasPrefix(rec.Body.Bytes(), []byte("%PDF-")) || rec.Header().Get("Content-Type") != "application/pdf" {
					t.Fatalf("not a PDF: %q", rec.Header().Get("Content-Type"))
				}
				filename(t, rec, "pdf")
				text := rtPDFText(t, rec.Body.Bytes())
				for _, want := range []string{"ĐẢNG CỘNG SẢN VIỆT NAM", "(tạm thời)", "Hoà Bình, ngày 07 tháng 02 năm 2026",
					"Số: 12-BC/ĐUK", "Hoàng Thị Hải Yến", "Văn phòng Đảng uỷ Khối", "Nguyễn Thị Thuỳ Dương"} {
					if !strings.Contains(text, want) {
						t.Errorf("PDF lacks %q", want)
					}
				}
			})
			t.Run("bad input", func(t *testing.T) {
				wantField(t, w.get(t, "organizer", base+"?format=docx"), "format", attendance.CodeOneOf)
				wantField(t, w.get(t, "organizer", base+"?format=csv&part=everything"), "part", attendance.CodeOneOf)
				wantField(t, w.get(t, "organizer", base+"?format=pdf&place="+strings.Repeat("x", 101)), "place", attendance.CodeTooLong)
				wantStatus(t, w.get(t, "organizer", "/api/v1/conferences/987654/report"), 404, "unknown conference")
				wantStatus(t, w.get(t, "organizer", "/api/v1/conferences/abc/report"), 404, "bad id")
			})
			t.Run("roles", func(t *testing.T) {
				for who, want := range map[string]int{"admin": 200, "organizer": 200, "supervisor": 200, "chairA": 403,
					"member": 403, "": 401} {
					wantStatus(t, w.get(t, who, base), want, "conference report as "+who)
				}
			})
			t.Run("closing locks the report", func(t *testing.T) {
				ctx := context.Background()
				w.clk.Set(rtT0.Add(4 * time.Hour))
				for _, a := range []string{"end", "close"} {
					if _, err := w.db.TransitionConference(ctx, w.conf.ID, a); err != nil {
						t.Fatal(err)
					}
				}
				rec := w.get(t, "organizer", base)
				wantStatus(t, rec, 200, "json")
				var r conferenceReportJSON
				if err := json.Unmarshal(rec.Body.Bytes(), &r); err != nil {
					t.Fatal(err)
				}
				if !r.Final || r.Totals.Pending != 0 {
					t.Errorf("closed: final %v, pending %d", r.Final, r.Totals.Pending)
				}
				// The closing's audit entry is the log's head at that moment, kept with
				// the conference and printed, so a copy lives outside the database.
				h := r.Conference.AuditHead
				if h == nil || len(h.Hash) != 64 {
					t.Fatalf("closed: auditHead %+v, want the closing's entry", h)
				}
				v, err := w.db.VerifyAudit(ctx)
				if err != nil || !v.OK || v.LastID != h.ID || v.LastHash != h.Hash || v.Heads != 1 {
					t.Errorf("VerifyAudit() = %+v, %v; want the head %d:%s, last and found", v, err, h.ID, h.Hash)
				}
				label := fmt.Sprintf("#%d · %s", h.ID, h.Hash)
				rec = w.get(t, "organizer", base+"?format=pdf")
				wantStatus(t, rec, 200, "pdf")
				text := rtPDFText(t, rec.Body.Bytes())
				if !strings.Contains(text, "(chính thức)") || strings.Contains(text, "(tạm thời)") {
					t.Errorf("a closed conference's PDF does not say (chính thức)")
				}
				if !strings.Contains(text, "Đầu chuỗi nhật ký khi khoá sổ: "+label) {
					t.Errorf("a closed conference's PDF lacks its audit head %q", label)
				}
				rec = w.get(t, "organizer", base+"?format=xlsx")
				wantStatus(t, rec, 200, "xlsx")
				f, err := excelize.OpenReader(bytes.NewReader(rec.Body.Bytes()))
				if err != nil {
					t.Fatal(err)
				}
				defer f.Close()
				rows, _ := f.GetRows(attendance.SheetInfo)
				if last := rows[len(rows)-1]; len(last) != 2 || last[1] != label {
					t.Errorf("XLSX info: got %q, want the audit head %q last", last, label)
				}
			})
		})
	}
}

// TestReport_Overturn is the request a chair rejected and the supervisory committee
// overturned (docs/design.md §14.1, §17.1): every format prints the chair's rejection
// as his, then the overturn with who, when and why — never the chair's approval.
func TestReport_Overturn(t *testing.T) {
	for _, tg := range testdb.Targets(t) {
		t.Run(tg.Name, func(t *testing.T) {
			w := mustReportWorld(t, tg)
			ctx := context.Background()
			ubkt := attendance.Account{Login: "ubkt", DisplayName: "Ủy ban Kiểm tra Đảng uỷ Khối", Role: attendance.RoleSupervisor, Active: true}
			if err := w.db.CreateAccount(ctx, &ubkt, "mật-khẩu-đủ-dài"); err != nil {
				t.Fatal(err)
			}
			p, err := w.db.AuthenticateStaff(ctx, "ubkt", "mật-khẩu-đủ-dài")
			if err != nil {
				t.Fatal(err)
			}
			ubktToken, err := w.db.CreateSession(ctx, p, 48*time.Hour)
			if err != nil {
				t.Fatal(err)
			}
			// Khoa (point B) explains his absence at 09:30; his secretary rejects it at
			// 09:36; the committee overturns it at 09:40.
			var filed struct{ ID int64 }
			rec := w.post(t, w.tokens["other"], "/api/v1/absences", map[string]any{"conferenceId": w.conf.ID,
				"category": "om_dau", "reason": "Sốt cao, đi khám tại trạm y tế phường"})
			wantStatus(t, rec, 201, "file")
			if err := json.Unmarshal(rec.Body.Bytes(), &filed); err != nil {
				t.Fatal(err)
			}
			w.clk.Set(rtT0.Add(96 * time.Minute))
			wantStatus(t, w.post(t, w.tokens["chairB"], fmt.Sprintf("/api/v1/absences/%d/decision", filed.ID),
				map[string]any{"decision": "rejected", "note": "Lý do chưa chính đáng"}), 200, "reject")
			w.clk.Set(rtT0.Add(100 * time.Minute))
			wantStatus(t, w.post(t, ubktToken, fmt.Sprintf("/api/v1/absences/%d/reviews", filed.ID),
				map[string]any{"action": "overturned", "note": "Có giấy khám bệnh của trạm y tế"}), 201, "overturn")
			base := fmt.Sprintf("/api/v1/conferences/%d/report", w.conf.ID)

			t.Run("json", func(t *testing.T) {
				rec := w.get(t, "organizer", base)
				wantStatus(t, rec, 200, "json")
				var r struct {
					Absentees []struct {
						FullName string         `json:"fullName"`
						Status   string         `json:"status"`
						Request  map[string]any `json:"request"`
					} `json:"absentees"`
				}
				if err := json.Unmarshal(rec.Body.Bytes(), &r); err != nil {
					t.Fatal(err)
				}
				var req map[string]any
				for _, a := range r.Absentees {
					if a.FullName == w.mem.FullName {
						req = a.Request
						if a.Status != "excused" {
							t.Errorf("status %s, want excused after the overturn", a.Status)
						}
					}
				}
				if req == nil {
					t.Fatalf("Khoa is not among the absentees: %+v", r.Absentees)
				}
				if req["decision"] != "approved" || req["decidedAs"] != "rejected" || req["decidedBy"] != w.secB.FullName ||
					req["note"] != "Lý do chưa chính đáng" {
					t.Errorf("request: decision %v, decidedAs %v by %v, note %v; want approved now, rejected by %s with his note",
						req["decision"], req["decidedAs"], req["decidedBy"], req["note"], w.secB.FullName)
				}
				ovs, _ := req["overturns"].([]any)
				if len(ovs) != 1 {
					t.Fatalf("overturns: %v, want one", req["overturns"])
				}
				ov, _ := ovs[0].(map[string]any)
				if ov["by"] != ubkt.DisplayName || ov["reason"] != "Có giấy khám bệnh của trạm y tế" || ov["decision"] != "approved" ||
					ov["at"] != rtT0.Add(100*time.Minute).Format(time.RFC3339) {
					t.Errorf("overturn: %v", ov)
				}
			})
			t.Run("csv and xlsx", func(t *testing.T) {
				want := map[string]string{"Kết quả duyệt": "Không duyệt", "Người duyệt": w.secB.FullName,
					"Thời điểm duyệt": "07/02/2026 09:36", "Ghi chú duyệt": "Lý do chưa chính đáng", "Giám sát đảo ngược": "Có",
					"Người đảo ngược": ubkt.DisplayName, "Thời điểm đảo ngược": "07/02/2026 09:40",
					"Lý do đảo ngược": "Có giấy khám bệnh của trạm y tế", "Kết quả sau giám sát": "Đã duyệt"}
				check := func(what string, rows [][]string) {
					t.Helper()
					if len(rows) < 2 {
						t.Fatalf("%s: %q", what, rows)
					}
					for _, row := range rows[1:] {
						if !slices.Contains(row, w.mem.FullName) {
							continue
						}
						for col, v := range want {
							i := slices.Index(rows[0], col)
							if i < 0 || i >= len(row) || row[i] != v {
								t.Errorf("%s: column %q: got %q, want %q", what, col, cell(row, i), v)
							}
						}
						return
					}
					t.Errorf("%s: no row for %s", what, w.mem.FullName)
				}
				rec := w.get(t, "organizer", base+"?format=csv&part=absentees")
				wantStatus(t, rec, 200, "csv")
				rows, err := csv.NewReader(bytes.NewReader(rec.Body.Bytes()[3:])).ReadAll()
				if err != nil {
					t.Fatal(err)
				}
				check("csv", rows)
				rec = w.get(t, "organizer", base+"?format=xlsx")
				wantStatus(t, rec, 200, "xlsx")
				f, err := excelize.OpenReader(bytes.NewReader(rec.Body.Bytes()))
				if err != nil {
					t.Fatal(err)
				}
				defer f.Close()
				rows, err = f.GetRows(attendance.SheetAbsentees)
				if err != nil {
					t.Fatal(err)
				}
				check("xlsx", rows)
			})
			t.Run("pdf", func(t *testing.T) {
				rec := w.get(t, "organizer", base+"?format=pdf")
				wantStatus(t, rec, 200, "pdf")
				text := rtPDFText(t, rec.Body.Bytes())
				_, row, _ := strings.Cut(text, w.mem.Code)
				if i := strings.Index(row, "Trên đây là báo cáo"); i >= 0 {
					row = row[:i]
				}
				for _, want := range []string{"Lê Văn Bình Không duyệt lúc 09:36 07/02/2026", "Ghi chú duyệt: Lý do chưa chính đáng",
					"Uỷ ban Kiểm tra đảo ngược thành Đã duyệt lúc 09:40 07/02/2026 (Ủy ban Kiểm tra Đảng uỷ Khối)",
					"Lý do: Có giấy khám bệnh của trạm y tế"} {
					if !strings.Contains(row, want) {
						t.Errorf("Khoa's row lacks %q: %q", want, row)
					}
				}
				if strings.Contains(row, "Đã duyệt lúc 09:36") {
					t.Errorf("Khoa's row credits the chair with an approval: %q", row)
				}
			})
		})
	}
}

// TestReport_Delegation follows a delegation (ủy nhiệm, docs/design.md §13) from the
// form to the report: a substitute who is not the invitee's deputy is flagged for the
// chair deciding it; naming someone already invited says so; the approved substitute
// opens the materials (by the API and the point's materials code), which counts for the
// invitee's line; the report names the substitute.
func TestReport_Delegation(t *testing.T) {
	for _, tg := range testdb.Targets(t) {
		t.Run(tg.Name, func(t *testing.T) {
			w := mustReportWorld(t, tg)
			ctx := context.Background()
			sign := func(m attendance.Member) string {
				p, _, err := w.db.MemberSignIn(ctx, m.Code, "123456")
				if err != nil {
					t.Fatal(err)
				}
				tok, err := w.db.CreateSession(ctx, p, 48*time.Hour)
				if err != nil {
					t.Fatal(err)
				}
				return tok
			}
			newMember := func(o attendance.Organization, code, name string, pos attendance.Position) attendance.Member {
				m := attendance.Member{Code: code, FullName: name, OrganizationID: o.ID, Position: pos, Active: true}
				if err := w.db.CreateMember(ctx, &m, "123456"); err != nil {
					t.Fatal(err)
				}
				return m
			}
			// Neither is invited: the conference's invitations were made before them.
			depB := newMember(w.b, "DV15", "Đinh Thị Phó", attendance.PositionDeputy)
			outsider := newMember(w.a, "DV05", "Mai Văn Ngoài", attendance.PositionMember)
			doc := attendance.Document{ConferenceID: w.conf.ID, Title: "Nghị quyết", FileName: "nq.pdf",
				ContentType: "application/pdf", Data: []byte("%PDF-1.4 nghị quyết")}
			if err := w.db.CreateDocument(ctx, &doc); err != nil {
				t.Fatal(err)
			}
			khoa := w.tokens["other"]
			file := func(sub attendance.Member) *httptest.ResponseRecorder {
				return w.post(t, khoa, "/api/v1/delegations", map[string]any{"conferenceId": w.conf.ID, "substituteId": sub.ID,
					"reason": "Đi công tác"})
			}
			var d struct {
				ID       int64    `json:"id"`
				Warnings []string `json:"warnings"`
			}

			t.Run("a substitute who is not the deputy is flagged for the chair", func(t *testing.T) {
				rec := file(outsider)
				wantStatus(t, rec, 201, "file")
				if err := json.Unmarshal(rec.Body.Bytes(), &d); err != nil {
					t.Fatal(err)
				}
				if !slices.Equal(d.Warnings, []string{"other_organization", "not_deputy"}) {
					t.Errorf("warnings %q, want other_organization and not_deputy", d.Warnings)
				}
				page := fmt.Sprintf("/%%s/chair/points/%d/requests", w.pointB.ID)
				for lang, want := range map[string]string{
					"vi": "Người dự thay không thuộc tổ chức đảng của đồng chí được mời",
					"en": "The substitute is not of the invitee's Party organization"} {
					rec := w.get(t, "chairB", fmt.Sprintf(page, lang))
					wantStatus(t, rec, 200, "chair's requests "+lang)
					if text := pageText(rec.Body.String()); !strings.Contains(text, want) {
						t.Errorf("%s: the chair's page lacks %q", lang, want)
					}
				}
				wantStatus(t, w.post(t, khoa, fmt.Sprintf("/api/v1/delegations/%d/withdraw", d.ID), nil), 200, "withdraw")
			})
			t.Run("an invited substitute is named as such", func(t *testing.T) {
				rec := file(w.secA)
				wantField(t, rec, "substituteId", "invited")
				if !strings.Contains(rec.Body.String(), "Đồng chí Nguyễn Thị Thuỳ Dương đã được mời dự hội nghị này") {
					t.Errorf("problem: %s", rec.Body.String())
				}
				for lang, want := range map[string]string{"vi": "Đồng chí Nguyễn Thị Thuỳ Dương đã được mời dự hội nghị này",
					"en": "Nguyễn Thị Thuỳ Dương is already invited to this conference"} {
					req := httptest.NewRequest(http.MethodPost, fmt.Sprintf("/%s/conferences/%d/delegations", lang, w.conf.ID),
						strings.NewReader(url.Values{"substituteCode": {w.secA.Code}, "delegationReason": {"Đi công tác"}}.Encode()))
					req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
					req.Header.Set("Authorization", "Bearer "+khoa)
					res := httptest.NewRecorder()
					w.srv.ServeHTTP(res, req)
					if text := pageText(res.Body.String()); res.Code != http.StatusUnprocessableEntity || !strings.Contains(text, want) {
						t.Errorf("%s form: got %d, want 422 with %q: %.600s", lang, res.Code, want, text)
					}
				}
			})
			t.Run("the invitee's deputy is no warning", func(t *testing.T) {
				rec := file(depB)
				wantStatus(t, rec, 201, "file")
				if err := json.Unmarshal(rec.Body.Bytes(), &d); err != nil {
					t.Fatal(err)
				}
				if len(d.Warnings) != 0 {
					t.Errorf("the invitee's deputy: warnings %q, want none", d.Warnings)
				}
				wantStatus(t, w.post(t, khoa, fmt.Sprintf("/api/v1/delegations/%d/withdraw", d.ID), nil), 200, "withdraw")
			})
			// The chair approves the member of another chi bộ all the same: a plain member,
			// whose own scope shows him no conference he is not invited to.
			t.Run("the substitute reads", func(t *testing.T) {
				rec := file(outsider)
				wantStatus(t, rec, 201, "file")
				if err := json.Unmarshal(rec.Body.Bytes(), &d); err != nil {
					t.Fatal(err)
				}
				wantStatus(t, w.post(t, w.tokens["chairB"], fmt.Sprintf("/api/v1/delegations/%d/decision", d.ID),
					map[string]any{"decision": "approved"}), 200, "approve")
				sub := sign(outsider)
				get := func(target string) *httptest.ResponseRecorder {
					req := httptest.NewRequest(http.MethodGet, target, nil)
					req.Header.Set("Authorization", "Bearer "+sub)
					rec := httptest.NewRecorder()
					w.srv.ServeHTTP(rec, req)
					return rec
				}
				wantStatus(t, get(fmt.Sprintf("/api/v1/documents/%d", doc.ID)), 200, "the substitute opens the document")
				code := w.srv.tokens.Sign(bridge.Token{Kind: bridge.KindMaterials, ConferenceID: w.conf.ID, PointID: w.pointB.ID})
				wantStatus(t, get(fmt.Sprintf("/vi/m/%s/d/%d", code, doc.ID)), 200, "the substitute opens it from the materials code")
				// Someone else not invited still gets nothing.
				wantStatus(t, w.get(t, "", fmt.Sprintf("/api/v1/documents/%d", doc.ID)), 401, "anonymous")
				stranger := newMember(w.a, "DV06", "Lò Văn Lạ", attendance.PositionMember)
				other := sign(stranger)
				req := httptest.NewRequest(http.MethodGet, fmt.Sprintf("/api/v1/documents/%d", doc.ID), nil)
				req.Header.Set("Authorization", "Bearer "+other)
				res := httptest.NewRecorder()
				w.srv.ServeHTTP(res, req)
				wantStatus(t, res, 404, "a member neither invited nor substituting")

				at := rtT0.Add(-5 * time.Minute)
				ci := attendance.CheckIn{ConferenceID: w.conf.ID, MemberID: outsider.ID, PointID: w.pointB.ID, At: at,
					Method: attendance.MethodQR, DeviceID: "d-sub", UpdatedAt: at}
				if err := w.db.Gorm().WithContext(ctx).Create(&ci).Error; err != nil {
					t.Fatal(err)
				}
			})
			t.Run("the report", func(t *testing.T) {
				base := fmt.Sprintf("/api/v1/conferences/%d/report", w.conf.ID)
				rec := w.get(t, "organizer", base)
				wantStatus(t, rec, 200, "json")
				var r struct {
					Flags []struct {
						FullName string `json:"fullName"`
						Flag     string `json:"flag"`
					} `json:"flags"`
					Delegates []map[string]any `json:"delegates"`
				}
				if err := json.Unmarshal(rec.Body.Bytes(), &r); err != nil {
					t.Fatal(err)
				}
				for _, f := range r.Flags {
					if f.FullName == w.mem.FullName && f.Flag == "no_materials" {
						t.Errorf("Khoa is flagged no_materials though his substitute read the materials")
					}
				}
				if len(r.Delegates) != 1 || r.Delegates[0]["fullName"] != w.mem.FullName {
					t.Fatalf("delegates: %v, want Khoa's", r.Delegates)
				}
				if sub, _ := r.Delegates[0]["substitute"].(map[string]any); sub == nil || sub["fullName"] != outsider.FullName {
					t.Errorf("the substitute: %v, want %s", r.Delegates[0]["substitute"], outsider.FullName)
				}
				if ws, _ := r.Delegates[0]["warnings"].([]any); len(ws) != 2 {
					t.Errorf("the report's delegate: warnings %v, want the two the chair was shown", r.Delegates[0]["warnings"])
				}
				rec = w.get(t, "organizer", base+"?format=pdf")
				wantStatus(t, rec, 200, "pdf")
				text := rtPDFText(t, rec.Body.Bytes())
				_, part, _ := strings.Cut(text, "Dự thay theo ủy nhiệm")
				if !strings.Contains(part, w.mem.FullName) || !strings.Contains(part, outsider.FullName+" "+outsider.Code) ||
					!strings.Contains(part, "không thuộc tổ chức đảng của người được mời") {
					t.Errorf("the PDF does not name the substitute %s for %s, with the warning: %q", outsider.FullName, w.mem.FullName, part)
				}
				rec = w.get(t, "organizer", base+"?format=csv&part=delegates")
				wantStatus(t, rec, 200, "csv delegates")
				rows, err := csv.NewReader(bytes.NewReader(rec.Body.Bytes()[3:])).ReadAll()
				if err != nil {
					t.Fatal(err)
				}
				if len(rows) != 2 || rows[1][2] != w.mem.FullName || rows[1][7] != outsider.FullName ||
					!strings.Contains(rows[1][11], "không thuộc tổ chức đảng") {
					t.Errorf("csv delegates: %q", rows)
				}
				if name := filename(t, rec, "csv"); !strings.HasSuffix(name, "dự thay.csv") {
					t.Errorf("file name %q", name)
				}
				rec = w.get(t, "chairB", fmt.Sprintf("/api/v1/points/%d/materials", w.pointB.ID))
				wantStatus(t, rec, 200, "point materials")
				var m struct {
					Items []struct {
						FullName        string `json:"fullName"`
						DocumentsOpened int    `json:"documentsOpened"`
					} `json:"items"`
				}
				if err := json.Unmarshal(rec.Body.Bytes(), &m); err != nil {
					t.Fatal(err)
				}
				for _, it := range m.Items {
					if it.FullName == w.mem.FullName && it.DocumentsOpened != 1 {
						t.Errorf("Khoa's line in the point's materials: %d opened, want his substitute's 1", it.DocumentsOpened)
					}
				}
			})
		})
	}
}

// pageText is a page's visible text: tags removed, entities decoded, spaces collapsed.
func pageText(page string) string {
	page = regexp.MustCompile(`(?s)<(script|style)[^>]*>.*?</(script|style)>`).ReplaceAllString(page, " ")
	page = regexp.MustCompile(`<[^>]+>`).ReplaceAllString(page, " ")
	return strings.Join(strings.Fields(html.UnescapeString(page)), " ")
}

// post serves a JSON POST with a bearer token.
func (w *rtWorld) post(t *testing.T, token, target string, body any) *httptest.ResponseRecorder {
	t.Helper()
	b, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	req := httptest.NewRequest(http.MethodPost, target, bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	rec := httptest.NewRecorder()
	w.srv.ServeHTTP(rec, req)
	return rec
}

// cell is row[i], or "" past its end.
func cell(row []string, i int) string {
	if i < 0 || i >= len(row) {
		return ""
	}
	return row[i]
}

func TestReport_Point(t *testing.T) {
	for _, tg := range testdb.Targets(t) {
		t.Run(tg.Name, func(t *testing.T) {
			w := mustReportWorld(t, tg)
			a := fmt.Sprintf("/api/v1/points/%d/report", w.pointA.ID)
			for who, want := range map[string]int{"admin": 200, "organizer": 200, "supervisor": 200, "chairA": 200,
				"chairB": 404, "member": 403, "": 401} {
				wantStatus(t, w.get(t, who, a), want, "point report as "+who)
			}
			rec := w.get(t, "chairA", a)
			var r conferenceReportJSON
			if err := json.Unmarshal(rec.Body.Bytes(), &r); err != nil {
				t.Fatal(err)
			}
			if r.PointID == nil || *r.PointID != w.pointA.ID || len(r.Points) != 1 || r.Totals.Invited != 3 || len(r.Absentees) != 1 {
				t.Errorf("point report: %+v", r)
			}
			rec = w.get(t, "chairA", a+"?format=csv&part=points")
			wantStatus(t, rec, 200, "csv")
			if name := filename(t, rec, "csv"); !strings.HasPrefix(name, "Báo cáo Điểm cầu Ban Tuyên giáo – ") {
				t.Errorf("file name %q", name)
			}
			rec = w.get(t, "chairA", a+"?format=pdf")
			wantStatus(t, rec, 200, "pdf")
			if text := rtPDFText(t, rec.Body.Bytes()); !strings.Contains(text, "tại điểm cầu Điểm cầu Ban Tuyên giáo") {
				t.Errorf("point PDF does not name its point")
			}
			wantField(t, w.get(t, "chairA", a+"?format=html"), "format", attendance.CodeOneOf)
		})
	}
}

func TestReport_Member(t *testing.T) {
	for _, tg := range testdb.Targets(t) {
		t.Run(tg.Name, func(t *testing.T) {
			w := mustReportWorld(t, tg)
			yen := fmt.Sprintf("/api/v1/members/%d/report", w.yen.ID)
			duc := fmt.Sprintf("/api/v1/members/%d/report", w.duc.ID)
			for who, want := range map[string]int{"admin": 200, "organizer": 200, "supervisor": 200, "member": 200,
				"chairA": 403, "other": 404, "": 401} {
				wantStatus(t, w.get(t, who, duc), want, "member report of Đức as "+who)
			}
			// A chair sees the members of the cell but their reports are the members' own.
			wantStatus(t, w.get(t, "chairA", yen), 403, "chair reading another member's report")
			wantStatus(t, w.get(t, "member", yen), 404, "member reading another's report")

			rec := w.get(t, "organizer", yen+"?from=2026-01-01&to=2027-01-01")
			wantStatus(t, rec, 200, "json")
			var r memberReportJSON
			if err := json.Unmarshal(rec.Body.Bytes(), &r); err != nil {
				t.Fatal(err)
			}
			if r.Member.FullName != "Hoàng Thị Hải Yến" || r.Member.OrganizationName != w.a.Name || len(r.Entries) != 1 ||
				r.Entries[0].Status != attendance.StatusExcused || r.Entries[0].Request == nil || r.Totals.Excused != 1 {
				t.Errorf("member report: %+v", r)
			}
			if want := time.Date(2025, 12, 31, 17, 0, 0, 0, time.UTC); !r.From.Equal(want) {
				t.Errorf("from = %v, want %v (midnight in Vietnam)", r.From, want)
			}
			rec = w.get(t, "organizer", yen+"?from=2025-01-01T00:00:00Z&to=2025-12-31T00:00:00Z")
			wantStatus(t, rec, 200, "json")
			if err := json.Unmarshal(rec.Body.Bytes(), &r); err != nil || len(r.Entries) != 0 {
				t.Errorf("2025: %d entries, %v", len(r.Entries), err)
			}
			rec = w.get(t, "member", duc+"?format=csv")
			wantStatus(t, rec, 200, "csv")
			if name := filename(t, rec, "csv"); !strings.HasPrefix(name, "Báo cáo đảng viên Trần Văn Đức (DV02)") {
				t.Errorf("file name %q", name)
			}
			if !strings.Contains(rec.Body.String(), "Đến muộn") {
				t.Errorf("Đức's CSV does not say he was late:\n%s", rec.Body.String())
			}
			wantField(t, w.get(t, "member", duc+"?format=pdf"), "format", attendance.CodeOneOf)
			wantField(t, w.get(t, "member", duc+"?from=2026-05-01&to=2026-01-01"), "to", attendance.CodeOrder)
			wantField(t, w.get(t, "member", duc+"?from=2020-01-01&to=2026-01-01"), "to", attendance.CodeRange)
			wantField(t, w.get(t, "member", duc+"?from=hôm-qua"), "from", attendance.CodeInvalid)
		})
	}
}

func TestReport_Organization(t *testing.T) {
	for _, tg := range testdb.Targets(t) {
		t.Run(tg.Name, func(t *testing.T) {
			w := mustReportWorld(t, tg)
			root := fmt.Sprintf("/api/v1/organizations/%d/report?year=2026", w.root.ID)
			cellA := fmt.Sprintf("/api/v1/organizations/%d/report", w.a.ID)
			for who, want := range map[string]int{"admin": 200, "organizer": 200, "supervisor": 200, "chairA": 404,
				"member": 403, "": 401} {
				wantStatus(t, w.get(t, who, root), want, "organization report as "+who)
			}
			wantStatus(t, w.get(t, "chairA", cellA), 200, "chair's own organization")
			wantStatus(t, w.get(t, "chairB", cellA), 404, "another chair's organization")

			rec := w.get(t, "organizer", root)
			var r organizationReportJSON
			if err := json.Unmarshal(rec.Body.Bytes(), &r); err != nil {
				t.Fatal(err)
			}
			if r.Year != 2026 || r.Totals.Organized != 1 || r.Totals.Conferences != 1 || r.Totals.Invited != 5 ||
				r.Parent == nil || r.Parent.Name != "Đảng bộ tỉnh Hoà Bình" || len(r.Units) != 3 || len(r.Totals.ByPosition) != 3 {
				t.Errorf("organization report: %+v", r)
			}
			for format, check := range map[string]func([]byte) bool{
				"csv":  func(b []byte) bool { return bytes.Contains(b, []byte("Chi bộ Ban Tuyên giáo Tỉnh uỷ")) },
				"xlsx": func(b []byte) bool { return bytes.HasPrefix(b, []byte("PK")) },
				"pdf":  func(b []byte) bool { return strings.Contains(rtPDFText(t, b), "Chi bộ Sở Tư pháp") },
			} {
				rec := w.get(t, "supervisor", root+"&format="+format)
				wantStatus(t, rec, 200, format)
				if name := filename(t, rec, format); !strings.HasPrefix(name, "Báo cáo năm 2026 – Đảng uỷ Khối các cơ quan tỉnh") {
					t.Errorf("%s file name %q", format, name)
				}
				if !check(rec.Body.Bytes()) {
					t.Errorf("%s body does not hold the report", format)
				}
			}
			rec = w.get(t, "supervisor", root+"&format=csv&part=attended")
			wantStatus(t, rec, 200, "csv attended")
			if !strings.Contains(rec.Body.String(), w.conf.Title) {
				t.Errorf("attended CSV lacks the conference")
			}
			wantField(t, w.get(t, "organizer", root+"&format=csv&part=points"), "part", attendance.CodeOneOf)
			wantField(t, w.get(t, "organizer", cellA+"?year=1999"), "year", attendance.CodeRange)
			wantField(t, w.get(t, "organizer", cellA+"?year=abc"), "year", attendance.CodeInvalid)
		})
	}
}

// TestReport_CSVStreams checks that a CSV goes out as it is written, chunked, not
// buffered whole for a Content-Length.
func TestReport_CSVStreams(t *testing.T) {
	tg := testdb.Targets(t)[0]
	w := mustReportWorld(t, tg)
	ctx := context.Background()
	var ms []attendance.Member
	for i := range 400 {
		ms = append(ms, attendance.Member{Code: fmt.Sprintf("DV9%04d", i), FullName: "Đinh Thị Vắng Mặt " + fmt.Sprint(i),
			OrganizationID: w.b.ID, Position: attendance.PositionMember, Active: true})
	}
	if err := w.db.Gorm().WithContext(ctx).CreateInBatches(&ms, 200).Error; err != nil {
		t.Fatal(err)
	}
	if _, err := w.db.GenerateInvitations(ctx, w.conf.ID); err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(w.srv)
	defer ts.Close()
	req, _ := http.NewRequest(http.MethodGet, fmt.Sprintf("%s/api/v1/conferences/%d/report?format=csv", ts.URL, w.conf.ID), nil)
	req.Header.Set("Authorization", "Bearer "+w.tokens["organizer"])
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != 200 || res.ContentLength != -1 || !slices.Contains(res.TransferEncoding, "chunked") {
		t.Errorf("got %d, length %d, transfer encoding %v; want a chunked stream", res.StatusCode, res.ContentLength, res.TransferEncoding)
	}
	if n := bytes.Count(b, []byte("\r\n")); n != 1+2+400 {
		t.Errorf("got %d lines, want the header and 402 absentees", n)
	}
}

func TestAttachment(t *testing.T) {
	cd := attachment("bao-cao-hoi-nghi-7.pdf", "Báo cáo hội nghị “Đại hội XIV”: 50% \"đạt\"/chưa.pdf")
	_, params, err := mime.ParseMediaType(cd)
	if err != nil {
		t.Fatalf("%q: %v", cd, err)
	}
	// What a file name cannot hold (: " / and the like) is dropped; the rest is kept.
	if got, want := params["filename"], "Báo cáo hội nghị “Đại hội XIV” 50% đạt-chưa.pdf"; got != want {
		t.Errorf("filename* decodes to %q, want %q", got, want)
	}
	if !strings.HasPrefix(cd, `attachment; filename="bao-cao-hoi-nghi-7.pdf"; filename*=UTF-8''B%C3%A1o%20c%C3%A1o`) {
		t.Errorf("Content-Disposition %q", cd)
	}
	for in, want := range map[string]string{
		"Báo cáo năm 2026 – Đảng uỷ Khối.csv": "Bao-cao-nam-2026-Dang-uy-Khoi.csv",
		"../../etc/passwd": "etc-passwd",
		"“”":               "bao-cao",
	} {
		if got := asciiFileName(in); got != want {
			t.Errorf("asciiFileName(%q) = %q, want %q", in, got, want)
		}
	}
	if got := []rune(utf8FileName(strings.Repeat("Đảng ", 100) + ".xlsx")); len(got) != 150 || !strings.HasSuffix(string(got), ".xlsx") {
		t.Errorf("long name: %d runes %q", len(got), string(got[len(got)-8:]))
	}
}

// rtPDFText extracts a PDF's text with pdftotext, words joined by single spaces.
func rtPDFText(t *testing.T, pdf []byte) string {
	t.Helper()
	bin, err := exec.LookPath("pdftotext")
	if err != nil {
		t.Skip("pdftotext (poppler-utils) is not installed; cannot check the PDF's text")
	}
	p := filepath.Join(t.TempDir(), "r.pdf")
	if err := os.WriteFile(p, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, "-raw", "-enc", "UTF-8", p, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	return strings.Join(strings.Fields(string(out)), " ")
}

// BenchmarkConferenceReportJSON turns a report of 100,000 invitations (10,000
// absentees, 40,000 flags, 1,000 points) into the API's JSON, as the handler streams it.
func BenchmarkConferenceReportJSON(b *testing.B) {
	decided := rtT0
	r := &attendance.ConferenceReport{Conference: attendance.Conference{ID: 1, Title: "Hội nghị toàn quốc"},
		Points: make([]attendance.PointSummary, 1000), Absentees: make([]attendance.Absentee, 10_000),
		Flags: make([]attendance.FlagEntry, 40_000)}
	for i := range r.Points {
		r.Points[i] = attendance.PointSummary{PointID: int64(i), Name: fmt.Sprintf("Điểm cầu %d", i),
			Tally: attendance.Tally{Invited: 100, Present: 80, Excused: 10, Unexcused: 10}, Chair: &attendance.ReportPerson{FullName: "Bí thư"}}
	}
	for i := range r.Absentees {
		r.Absentees[i] = attendance.Absentee{MemberCode: fmt.Sprintf("DV%d", i), FullName: "Nguyễn Thị Thuỳ Dương",
			Status: attendance.StatusExcused, AbsenceRecord: attendance.AbsenceRecord{Basis: attendance.BasisRequest,
				Category: attendance.CategoryCongTac, Reason: "Đi công tác", Decision: attendance.DecisionApproved,
				DecidedBy: "Văn phòng", DecidedAt: &decided}}
	}
	for i := range r.Flags {
		r.Flags[i] = attendance.FlagEntry{MemberCode: fmt.Sprintf("DV%d", i), FullName: "Trần Văn Đức", Flag: attendance.FlagNoMaterials}
	}
	var n int
	for b.Loop() {
		var cw bytes.Buffer
		if err := json.NewEncoder(&cw).Encode(toConferenceReport(r)); err != nil {
			b.Fatal(err)
		}
		n = cw.Len()
	}
	b.ReportMetric(float64(n), "bytes/op")
}
