package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/diemcau/diemcau/api"
	"github.com/diemcau/diemcau/attendance"
	"github.com/diemcau/diemcau/attendance/sqlstore"
	"github.com/diemcau/diemcau/internal/testdb"
)

// The credentials every fixture account and member gets.
const (
	password = "mật-khẩu-đủ-dài"
	pin      = "123456"
)

// t0 is 08:00 on 3 March 2026 in Vietnam, when the fixture conference starts.
var t0 = time.Date(2026, 3, 3, 1, 0, 0, 0, time.UTC)

// eachTarget runs fn as a subtest on every database target: SQLite always, and
// PostgreSQL when DIEMCAU_TEST_DATABASE_URL is set.
func eachTarget(t *testing.T, fn func(t *testing.T, tg testdb.Target)) {
	t.Helper()
	for _, tg := range testdb.Targets(t) {
		t.Run(tg.Name, func(t *testing.T) { fn(t, tg) })
	}
}

// serverOption changes how mustServer builds a server.
type serverOption func(*serverSetup)

type serverSetup struct {
	cfg api.Config
	now func() time.Time
}

// withConfig replaces the API configuration (the test secret is kept when cfg has none).
func withConfig(cfg api.Config) serverOption {
	return func(s *serverSetup) {
		if cfg.Secret == nil {
			cfg.Secret = s.cfg.Secret
		}
		s.cfg = cfg
	}
}

// withClock sets the clock of the store and the server.
func withClock(now func() time.Time) serverOption { return func(s *serverSetup) { s.now = now } }

// mustServer opens a fresh, migrated database of tg's kind and returns a server on it
// with the store. Anything the server logs at error level (every 5xx) fails the test.
func mustServer(t *testing.T, tg testdb.Target, opts ...serverOption) (*api.Server, *sqlstore.DB) {
	t.Helper()
	setup := serverSetup{cfg: api.Config{Secret: []byte("diemcau-test-secret-0123456789abcdef")}}
	for _, o := range opts {
		o(&setup)
	}
	cfg := tg.Config
	cfg.Now = setup.now
	if tg.Name == "postgres" {
		cfg.URL = testdb.Schema(t, os.Getenv(testdb.EnvURL))
	} else {
		cfg.DataDir = t.TempDir()
	}
	db := testdb.MustOpen(t, cfg)
	if setup.cfg.Now == nil {
		setup.cfg.Now = setup.now
	}
	rec := newErrorLog()
	srv, err := api.NewServer(slog.New(rec), db, setup.cfg)
	if err != nil {
		t.Fatalf("NewServer: %v", err)
	}
	t.Cleanup(func() {
		for _, line := range rec.lines() {
			t.Errorf("server logged an error (a 5xx for bad input?): %s", line)
		}
	})
	return srv, db
}

// errorLog is a slog handler that keeps error records, so a test can fail on them.
type errorLog struct {
	sink  *errorSink
	attrs []slog.Attr
}

type errorSink struct {
	mu    sync.Mutex
	lines []string
}

func newErrorLog() *errorLog { return &errorLog{sink: &errorSink{}} }

func (h *errorLog) Enabled(_ context.Context, l slog.Level) bool { return l >= slog.LevelError }

func (h *errorLog) Handle(_ context.Context, r slog.Record) error {
	var b strings.Builder
	b.WriteString(r.Message)
	for _, a := range h.attrs {
		fmt.Fprintf(&b, " %s=%v", a.Key, a.Value)
	}
	r.Attrs(func(a slog.Attr) bool {
		fmt.Fprintf(&b, " %s=%v", a.Key, a.Value)
		return true
	})
	h.sink.mu.Lock()
	defer h.sink.mu.Unlock()
	h.sink.lines = append(h.sink.lines, b.String())
	return nil
}

func (h *errorLog) WithAttrs(as []slog.Attr) slog.Handler {
	return &errorLog{sink: h.sink, attrs: append(slices.Clip(h.attrs), as...)}
}

func (h *errorLog) WithGroup(string) slog.Handler { return h }

func (h *errorLog) lines() []string {
	h.sink.mu.Lock()
	defer h.sink.mu.Unlock()
	return slices.Clone(h.sink.lines)
}

// result is a recorded response.
type result struct {
	Status int
	Header http.Header
	Body   []byte
}

// String shows the status and the start of the body, for failure messages.
func (r result) String() string {
	b := string(r.Body)
	if len(b) > 600 {
		b = b[:600] + "…"
	}
	return fmt.Sprintf("%d %s", r.Status, b)
}

// decode reads the body as JSON into v.
func (r result) decode(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("decode response %s: %v", r, err)
	}
}

// object reads the body as a JSON object.
func (r result) object(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	r.decode(t, &m)
	return m
}

// reqOption changes a request before it is served.
type reqOption func(*http.Request)

func withHeader(key, value string) reqOption {
	return func(r *http.Request) { r.Header.Set(key, value) }
}

func withCookie(c *http.Cookie) reqOption { return func(r *http.Request) { r.AddCookie(c) } }

func fromAddress(addr string) reqOption { return func(r *http.Request) { r.RemoteAddr = addr } }

// do serves one request with a raw body (nil for none) of contentType.
func do(t *testing.T, h http.Handler, method, path, token string, body []byte, contentType string, opts ...reqOption) result {
	t.Helper()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req := httptest.NewRequest(method, path, rd)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for _, o := range opts {
		o(req)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	res := rec.Result()
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("%s %s: read body: %v", method, path, err)
	}
	return result{Status: res.StatusCode, Header: res.Header, Body: b}
}

// doJSON serves one API request. body is sent as is when it is a string or []byte,
// else marshalled as JSON; nil sends no body.
func doJSON(t *testing.T, h http.Handler, method, path, token string, body any, opts ...reqOption) result {
	t.Helper()
	var raw []byte
	switch b := body.(type) {
	case nil:
	case []byte:
		raw = b
	case string:
		raw = []byte(b)
	default:
		var err error
		if raw, err = json.Marshal(b); err != nil {
			t.Fatalf("marshal request body: %v", err)
		}
	}
	ct := ""
	if raw != nil {
		ct = "application/json"
	}
	return do(t, h, method, path, token, raw, ct, opts...)
}

// mustStatus fails the test unless r has status want.
func mustStatus(t *testing.T, r result, want int, what string) {
	t.Helper()
	if r.Status != want {
		t.Fatalf("%s: got %s, want status %d", what, r, want)
	}
}

// problemDoc is an RFC 9457 problem as the API writes it.
type problemDoc struct {
	Type   string         `json:"type"`
	Title  string         `json:"title"`
	Status int            `json:"status"`
	Detail string         `json:"detail"`
	Errors []fieldProblem `json:"errors"`
}

type fieldProblem struct {
	Field   string `json:"field"`
	Code    string `json:"code"`
	Line    int    `json:"line"`
	Param   string `json:"param"`
	Message string `json:"message"`
}

// codes maps each field to its problem codes.
func (p problemDoc) codes() map[string][]string {
	out := map[string][]string{}
	for _, e := range p.Errors {
		out[e.Field] = append(out[e.Field], e.Code)
	}
	return out
}

// has reports whether the problem lists code for field.
func (p problemDoc) has(field, code string) bool { return slices.Contains(p.codes()[field], code) }

// mustProblem checks that r is a problem document of status and type (type "" checks
// only that there is one) and returns it.
func mustProblem(t *testing.T, r result, status int, typ string) problemDoc {
	t.Helper()
	var p problemDoc
	if r.Status != status {
		t.Errorf("got %s, want status %d", r, status)
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/problem+json") {
		t.Errorf("Content-Type: got %q, want application/problem+json", ct)
		return p
	}
	if err := json.Unmarshal(r.Body, &p); err != nil {
		t.Errorf("problem body %q: %v", r.Body, err)
		return p
	}
	if p.Status != r.Status {
		t.Errorf("problem status: got %d, want %d (the response status)", p.Status, r.Status)
	}
	if typ != "" && p.Type != typ {
		t.Errorf("problem type: got %q, want %q (%s)", p.Type, typ, r)
	}
	if !strings.HasPrefix(p.Type, "/problems/") || p.Title == "" {
		t.Errorf("problem: got type %q title %q, want a /problems/ type and a title", p.Type, p.Title)
	}
	for _, e := range p.Errors {
		if e.Field == "" || e.Code == "" || e.Message == "" {
			t.Errorf("field problem %+v: want field, code and message", e)
		}
	}
	return p
}

// login is a signed-in session as POST /api/v1/auth/login answers it.
type login struct {
	Token     string `json:"token"`
	CSRFToken string `json:"csrfToken"`
	ExpiresIn int    `json:"expiresIn"`
	Principal struct {
		Role      string  `json:"role"`
		Name      string  `json:"name"`
		AccountID int64   `json:"accountId"`
		MemberID  int64   `json:"memberId"`
		OrgIDs    []int64 `json:"organizationIds"`
	} `json:"principal"`
	Cookie *http.Cookie `json:"-"`
}

// mustLogin signs in with creds ({"login","password"} or {"memberCode","pin"}).
func mustLogin(t *testing.T, h http.Handler, creds map[string]string) login {
	t.Helper()
	r := doJSON(t, h, http.MethodPost, "/api/v1/auth/login", "", creds)
	mustStatus(t, r, http.StatusOK, fmt.Sprintf("sign in %v", creds["login"]+creds["memberCode"]))
	var l login
	r.decode(t, &l)
	if l.Token == "" || l.CSRFToken == "" {
		t.Fatalf("sign in: got %s, want a token and a CSRF token", r)
	}
	for _, c := range (&http.Response{Header: r.Header}).Cookies() {
		if c.Name == "diemcau_session" {
			l.Cookie = c
		}
	}
	return l
}

func staffLogin(t *testing.T, h http.Handler, name string) string {
	t.Helper()
	return mustLogin(t, h, map[string]string{"login": name, "password": password}).Token
}

func memberLogin(t *testing.T, h http.Handler, code string) string {
	t.Helper()
	return mustLogin(t, h, map[string]string{"memberCode": code, "pin": pin}).Token
}

// multipartFile builds a multipart body with one file part named field.
func multipartFile(t *testing.T, field, filename string, data []byte) ([]byte, string) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	w, err := mw.CreateFormFile(field, filename)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := mw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes(), mw.FormDataContentType()
}

// Store helpers: fixtures go straight into the store, so each test exercises only the
// HTTP requests it is about.

func mustOrg(t *testing.T, db *sqlstore.DB, parent *int64, code, name string, kind attendance.OrgKind) attendance.Organization {
	t.Helper()
	o := attendance.Organization{ParentID: parent, Name: name, Kind: kind}
	if code != "" {
		o.Code = &code
	}
	if err := db.CreateOrganization(context.Background(), &o); err != nil {
		t.Fatalf("create organization %q: %v", name, err)
	}
	return o
}

func mustMember(t *testing.T, db *sqlstore.DB, org int64, code, name string, pos attendance.Position) attendance.Member {
	t.Helper()
	m := attendance.Member{Code: code, FullName: name, OrganizationID: org, Position: pos, Active: true}
	if err := db.CreateMember(context.Background(), &m, pin); err != nil {
		t.Fatalf("create member %q: %v", name, err)
	}
	return m
}

func mustAccount(t *testing.T, db *sqlstore.DB, loginName, name string, role attendance.Role) attendance.Account {
	t.Helper()
	a := attendance.Account{Login: loginName, DisplayName: name, Role: role, Active: true}
	if err := db.CreateAccount(context.Background(), &a, password); err != nil {
		t.Fatalf("create account %q: %v", loginName, err)
	}
	return a
}

func mustConference(t *testing.T, db *sqlstore.DB, title string, positions ...attendance.Position) attendance.Conference {
	t.Helper()
	c := attendance.Conference{Title: title, StartsAt: t0, EndsAt: t0.Add(3 * time.Hour),
		CheckinLead: attendance.DefaultCheckinLead, LateGrace: attendance.DefaultLateGrace,
		EarlyLeaveGrace: attendance.DefaultEarlyLeaveGrace}
	c.SetPositions(positions)
	if err := db.CreateConference(context.Background(), &c); err != nil {
		t.Fatalf("create conference %q: %v", title, err)
	}
	return c
}

func mustPoint(t *testing.T, db *sqlstore.DB, conf int64, name string, orgs ...int64) attendance.Point {
	t.Helper()
	p := attendance.Point{ConferenceID: conf, Name: name, OrganizationIDs: orgs}
	if err := db.CreatePoint(context.Background(), &p); err != nil {
		t.Fatalf("create point %q: %v", name, err)
	}
	return p
}

func mustTransition(t *testing.T, db *sqlstore.DB, conf int64, actions ...string) {
	t.Helper()
	for _, a := range actions {
		if _, err := db.TransitionConference(context.Background(), conf, a); err != nil {
			t.Fatalf("%s conference %d: %v", a, conf, err)
		}
	}
}

// mustInvitation returns the current invitation of member in conf.
func mustInvitation(t *testing.T, db *sqlstore.DB, conf, member int64) attendance.InvitationView {
	t.Helper()
	l, err := db.Invitations(context.Background(), attendance.InvitationFilter{ConferenceID: conf, MemberID: member,
		Scope: attendance.Scope{All: true}})
	if err != nil || len(l.Items) != 1 {
		t.Fatalf("invitation of member %d in conference %d: got %+v, %v; want one", member, conf, l.Items, err)
	}
	return l.Items[0]
}

// world is the registry most tests start from: a đảng bộ with two chi bộ A and B,
// each with a secretary (who chairs) and a member, a chi bộ C of spare members, the
// three staff accounts, and a conference with a point for A and a point for B.
type world struct {
	Root, A, B, C                      attendance.Organization
	SecA, MemA, SecB, MemB             attendance.Member
	Admin, Organizer, Supervisor       attendance.Account
	Conf                               attendance.Conference
	PointA, PointB                     attendance.Point
	InvSecA, InvMemA, InvSecB, InvMemB int64
}

func mustWorld(t *testing.T, db *sqlstore.DB) world {
	t.Helper()
	var w world
	w.Root = mustOrg(t, db, nil, "DBK", "Đảng bộ Khối các cơ quan tỉnh", attendance.KindDangBo)
	w.A = mustOrg(t, db, &w.Root.ID, "CB-A", "Chi bộ Ban Tuyên giáo", attendance.KindChiBo)
	w.B = mustOrg(t, db, &w.Root.ID, "CB-B", "Chi bộ Sở Y tế", attendance.KindChiBo)
	w.C = mustOrg(t, db, &w.Root.ID, "CB-C", "Chi bộ Văn phòng", attendance.KindChiBo)
	w.SecA = mustMember(t, db, w.A.ID, "DV-A1", "Nguyễn Thị Thuỳ Dương", attendance.PositionSecretary)
	w.MemA = mustMember(t, db, w.A.ID, "DV-A2", "Trần Văn Đức", attendance.PositionMember)
	w.SecB = mustMember(t, db, w.B.ID, "DV-B1", "Hoàng Thị Hải Yến", attendance.PositionSecretary)
	w.MemB = mustMember(t, db, w.B.ID, "DV-B2", "Lê Quý Đôn", attendance.PositionMember)
	w.Admin = mustAccount(t, db, "admin", "Quản trị", attendance.RoleAdmin)
	w.Organizer = mustAccount(t, db, "organizer", "Văn phòng Tỉnh uỷ", attendance.RoleOrganizer)
	w.Supervisor = mustAccount(t, db, "supervisor", "Uỷ ban Kiểm tra", attendance.RoleSupervisor)
	w.Conf = mustConference(t, db, "Hội nghị quán triệt Nghị quyết Đại hội XIV")
	w.PointA = mustPoint(t, db, w.Conf.ID, "Điểm cầu Ban Tuyên giáo", w.A.ID)
	w.PointB = mustPoint(t, db, w.Conf.ID, "Điểm cầu Sở Y tế", w.B.ID)
	w.InvSecA = mustInvitation(t, db, w.Conf.ID, w.SecA.ID).ID
	w.InvMemA = mustInvitation(t, db, w.Conf.ID, w.MemA.ID).ID
	w.InvSecB = mustInvitation(t, db, w.Conf.ID, w.SecB.ID).ID
	w.InvMemB = mustInvitation(t, db, w.Conf.ID, w.MemB.ID).ID
	return w
}

// counts are the numbers of rows in the registry, to show a refused request wrote
// nothing.
type counts struct {
	Organizations, Members, Accounts, Conferences, Points, Invitations int64
}

func mustCount(t *testing.T, db *sqlstore.DB) counts {
	t.Helper()
	ctx := context.Background()
	all := attendance.Scope{All: true}
	var c counts
	orgs, err := db.Organizations(ctx, attendance.OrganizationFilter{Scope: all})
	if err != nil {
		t.Fatal(err)
	}
	members, err := db.Members(ctx, attendance.MemberFilter{Scope: all})
	if err != nil {
		t.Fatal(err)
	}
	accounts, err := db.Accounts(ctx, "", "", attendance.Page{})
	if err != nil {
		t.Fatal(err)
	}
	confs, err := db.Conferences(ctx, attendance.ConferenceFilter{Scope: all, Page: attendance.Page{Size: attendance.MaxPageSize}})
	if err != nil {
		t.Fatal(err)
	}
	c.Organizations, c.Members, c.Accounts, c.Conferences = orgs.Total, members.Total, accounts.Total, confs.Total
	for _, conf := range confs.Items {
		ps, err := db.Points(ctx, attendance.PointFilter{ConferenceID: conf.ID, Scope: all})
		if err != nil {
			t.Fatal(err)
		}
		invs, err := db.Invitations(ctx, attendance.InvitationFilter{ConferenceID: conf.ID, Scope: all})
		if err != nil {
			t.Fatal(err)
		}
		c.Points += ps.Total
		c.Invitations += invs.Total
	}
	return c
}

// listJSON is one page of a list answer.
type listJSON[T any] struct {
	Items    []T   `json:"items"`
	Total    int64 `json:"total"`
	Page     int   `json:"page"`
	PageSize int   `json:"pageSize"`
}

// idOnly reads the id of any record.
type idOnly struct {
	ID int64 `json:"id"`
}

// mustList GETs path and returns the list.
func mustList[T any](t *testing.T, h http.Handler, path, token string) listJSON[T] {
	t.Helper()
	r := doJSON(t, h, http.MethodGet, path, token, nil)
	mustStatus(t, r, http.StatusOK, "GET "+path)
	var l listJSON[T]
	r.decode(t, &l)
	return l
}

// ids returns the sorted ids of a list.
func ids(items []idOnly) []int64 {
	out := make([]int64, len(items))
	for i, it := range items {
		out[i] = it.ID
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

func sorted(xs ...int64) []int64 {
	out := slices.Clone(xs)
	slices.Sort(out)
	return out
}
