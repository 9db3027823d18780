package api_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/diemcau/diemcau/attendance"
	"github.com/diemcau/diemcau/attendance/sqlstore"
	"github.com/diemcau/diemcau/internal/testdb"
)

// role is who a request in the matrix comes from.
type role string

const (
	admin      role = "admin"
	organizer  role = "organizer"
	supervisor role = "supervisor"
	chair      role = "chair"
	member     role = "member"
	anonymous  role = "anonymous"
)

// pdfFile is a small PDF, for documents.
var pdfFile = []byte("%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n" +
	"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")

var (
	allRoles   = []role{admin, organizer, supervisor, chair, member, anonymous}
	consoles   = []role{admin, organizer, chair}
	watchers   = []role{admin, organizer, supervisor, chair}
	signedIn   = []role{admin, organizer, supervisor, chair, member}
	public     = allRoles
	adminOnly  = []role{admin}
	organizers = []role{admin, organizer}
	filers     = []role{admin, organizer, chair, member}
	selves     = []role{chair, member}
	auditors   = []role{admin, supervisor}
)

// roleFixture is the world plus a record of its own for every request that changes
// something, so that no case sees another's effect and the table order does not matter.
type roleFixture struct {
	world
	OrgPatch, OrgDelete                      attendance.Organization
	MemberPatch, MemberDelete, MemberInvite  attendance.Member
	AccountPatch, AccountDelete              attendance.Account
	ConfEdit, ConfDelete, ConfStart, ConfEnd attendance.Conference
	ConfClose                                attendance.Conference
	PointKeep, PointPatch, PointDelete       attendance.Point
	InvPatch, InvDelete                      int64
	ManualTarget, ManualOther, SelfCheckIn   attendance.Member
	Answerer                                 attendance.Member
	CIUndo, CIOut, CIConfirm, CIOther        int64
	RollCall                                 int64
	CheckinToken, RollCallToken              string
	DocConf, DocEdit, DocDelete              int64
	requestFixture
	token, spareToken string
}

func mustRoleFixture(t *testing.T, h http.Handler, db *sqlstore.DB, r role) *roleFixture {
	t.Helper()
	f := &roleFixture{world: mustWorld(t, db)}
	f.OrgPatch = mustOrg(t, db, &f.Root.ID, "CB-SUA", "Chi bộ để sửa", attendance.KindChiBo)
	f.OrgDelete = mustOrg(t, db, &f.Root.ID, "CB-XOA", "Chi bộ để xoá", attendance.KindChiBo)
	f.MemberPatch = mustMember(t, db, f.C.ID, "DV-C1", "Đặng Thị Sửa", attendance.PositionMember)
	f.MemberDelete = mustMember(t, db, f.C.ID, "DV-C2", "Đinh Văn Xoá", attendance.PositionMember)
	f.MemberInvite = mustMember(t, db, f.C.ID, "DV-C3", "Phan Thị Mời", attendance.PositionMember)
	inv1 := mustMember(t, db, f.C.ID, "DV-C4", "Vũ Văn Ghi", attendance.PositionMember)
	inv2 := mustMember(t, db, f.C.ID, "DV-C5", "Võ Thị Rút", attendance.PositionMember)
	f.AccountPatch = mustAccount(t, db, "staff-patch", "Cán bộ để sửa", attendance.RoleOrganizer)
	f.AccountDelete = mustAccount(t, db, "staff-delete", "Cán bộ để xoá", attendance.RoleSupervisor)

	f.ConfEdit = mustConference(t, db, "Hội nghị để sửa")
	f.ConfDelete = mustConference(t, db, "Hội nghị để xoá")
	f.ConfStart = mustConference(t, db, "Hội nghị sắp khai mạc")
	f.ConfEnd = mustConference(t, db, "Hội nghị đang diễn ra")
	mustTransition(t, db, f.ConfEnd.ID, "start")
	f.ConfClose = mustConference(t, db, "Hội nghị đã kết thúc")
	mustTransition(t, db, f.ConfClose.ID, "start", "end")
	f.PointKeep = mustPoint(t, db, f.ConfEdit.ID, "Điểm cầu giữ lại")
	f.PointPatch = mustPoint(t, db, f.ConfEdit.ID, "Điểm cầu để sửa")
	f.PointDelete = mustPoint(t, db, f.ConfEdit.ID, "Điểm cầu để xoá")
	for _, m := range []attendance.Member{inv1, inv2} {
		inv := attendance.Invitation{ConferenceID: f.ConfEdit.ID, MemberID: m.ID, PointID: f.PointKeep.ID}
		if err := db.CreateInvitation(context.Background(), &inv); err != nil {
			t.Fatal(err)
		}
	}
	f.InvPatch = mustInvitation(t, db, f.ConfEdit.ID, inv1.ID).ID
	f.InvDelete = mustInvitation(t, db, f.ConfEdit.ID, inv2.ID).ID

	// The conference is live (the clock is five minutes past its start), with members
	// of its own for each check-in request, a roll call at point A and documents.
	ctx := context.Background()
	f.ManualTarget = mustMember(t, db, f.A.ID, "DV-A3", "Đỗ Văn Tay", attendance.PositionMember)
	f.SelfCheckIn = mustMember(t, db, f.A.ID, "DV-A4", "Mai Thị Quét", attendance.PositionMember)
	undo := mustMember(t, db, f.A.ID, "DV-A5", "Tạ Văn Nhầm", attendance.PositionMember)
	out := mustMember(t, db, f.A.ID, "DV-A6", "Kiều Thị Về", attendance.PositionMember)
	confirm := mustMember(t, db, f.A.ID, "DV-A7", "Lương Văn Chung", attendance.PositionMember)
	f.Answerer = mustMember(t, db, f.A.ID, "DV-A8", "Thái Thị Đáp", attendance.PositionMember)
	other := mustMember(t, db, f.B.ID, "DV-B3", "Ninh Văn Khác", attendance.PositionMember)
	f.ManualOther = f.MemB
	mustTransition(t, db, f.Conf.ID, "start")
	staff := attendance.Principal{Role: attendance.RoleAdmin, AccountID: f.Admin.ID}
	for _, c := range []struct {
		member attendance.Member
		point  int64
		id     *int64
	}{{undo, f.PointA.ID, &f.CIUndo}, {out, f.PointA.ID, &f.CIOut}, {confirm, f.PointA.ID, &f.CIConfirm}, {other, f.PointB.ID, &f.CIOther}} {
		got, err := db.CheckIn(ctx, attendance.CheckInInput{ConferenceID: f.Conf.ID, PointID: c.point, MemberID: c.member.ID,
			Method: attendance.MethodManual, Reason: "Điểm danh hộ", By: staff})
		if err != nil {
			t.Fatalf("check in %s: %v", c.member.Code, err)
		}
		*c.id = got.CheckIn.ID
	}
	rc, err := db.StartRollCall(ctx, f.Conf.ID, f.PointA.ID, 10*time.Minute, staff)
	if err != nil {
		t.Fatal(err)
	}
	f.RollCall = rc.ID
	for _, d := range []struct {
		conf int64
		id   *int64
	}{{f.Conf.ID, &f.DocConf}, {f.ConfEdit.ID, &f.DocEdit}, {f.Conf.ID, &f.DocDelete}} {
		doc := attendance.Document{ConferenceID: d.conf, Title: "Nghị quyết số 01", FileName: "nghi-quyet.pdf",
			ContentType: "application/pdf", Data: pdfFile}
		if err := db.CreateDocument(ctx, &doc); err != nil {
			t.Fatal(err)
		}
		*d.id = doc.ID
	}
	var codes struct {
		CheckInURL  string `json:"checkinUrl"`
		RollCallURL string `json:"rollCallUrl"`
	}
	adminToken := staffLogin(t, h, "admin")
	doJSON(t, h, "GET", fmt.Sprintf("/api/v1/points/%d/qr", f.PointA.ID), adminToken, nil).decode(t, &codes)
	f.CheckinToken = codes.CheckInURL[strings.LastIndex(codes.CheckInURL, "/")+1:]
	f.RollCallToken = codes.RollCallURL[strings.LastIndex(codes.RollCallURL, "/")+1:]
	if f.CheckinToken == "" || f.RollCallToken == "" {
		t.Fatalf("codes of point A: got %+v, want a check-in and a roll-call link", codes)
	}
	mustStatus(t, doJSON(t, h, "POST", "/api/v1/auth/logout", adminToken, nil), 204, "admin signs out")
	f.requestFixture = mustRequestFixture(t, db, f.world, r)

	signIn := func() string {
		switch r {
		case admin, organizer, supervisor:
			return staffLogin(t, h, string(r))
		case chair:
			return memberLogin(t, h, f.SecA.Code)
		case member:
			return memberLogin(t, h, f.MemA.Code)
		}
		return ""
	}
	f.token, f.spareToken = signIn(), signIn()
	return f
}

// routeCase is one route of api/routes.go with real IDs and a body.
type routeCase struct {
	name   string
	method string
	path   func(f *roleFixture) string
	body   func(f *roleFixture) any                            // JSON body; nil sends none
	upload func(t *testing.T, f *roleFixture) ([]byte, string) // a raw body and its type instead
	allow  []role                                              // roles the route lets through
	want   int                                                 // their status
	scope  map[role]int                                        // allowed roles answered otherwise: out of scope
	spare  bool                                                // use the role's second session (the request ends it)
}

// expect is the status role must get: 401 without a session, 403 with the wrong role.
func (c routeCase) expect(r role) int {
	if !slices.Contains(c.allow, r) {
		if r == anonymous {
			return http.StatusUnauthorized
		}
		return http.StatusForbidden
	}
	if s, ok := c.scope[r]; ok {
		return s
	}
	return c.want
}

func path(format string, ids ...func(f *roleFixture) int64) func(f *roleFixture) string {
	return func(f *roleFixture) string {
		args := make([]any, len(ids))
		for i, id := range ids {
			args[i] = id(f)
		}
		return fmt.Sprintf(format, args...)
	}
}

func fixed(p string) func(f *roleFixture) string { return func(*roleFixture) string { return p } }

func body(v any) func(f *roleFixture) any { return func(*roleFixture) any { return v } }

// outOfScope answers 404 to the chair of A and to the plain member of A.
var outOfScope = map[role]int{chair: http.StatusNotFound, member: http.StatusNotFound}

// routeCases walks every route of api/routes.go.
var routeCases = []routeCase{
	// Health, metrics and problem documents are public.
	{name: "healthz", method: "GET", path: fixed("/healthz"), allow: public, want: 200},
	{name: "readyz", method: "GET", path: fixed("/readyz"), allow: public, want: 200},
	{name: "metrics", method: "GET", path: fixed("/metrics"), allow: public, want: 200},
	{name: "problem doc", method: "GET", path: fixed("/problems/forbidden"), allow: public, want: 200},
	{name: "root redirect", method: "GET", path: fixed("/"), allow: public, want: http.StatusFound},
	// The admin pages let staff in, show chairs and members a 403 page and send
	// visitors to sign in.
	{name: "admin page", method: "GET", path: fixed("/vi/admin/"), allow: public, want: 200,
		scope: map[role]int{chair: 403, member: 403, anonymous: http.StatusSeeOther}},

	{name: "openapi", method: "GET", path: fixed("/api/v1/openapi.yaml"), allow: public, want: 200},
	{name: "check-in link", method: "GET", path: fixed("/c/abc"), allow: public, want: http.StatusFound},
	{name: "materials link", method: "GET", path: fixed("/m/abc"), allow: public, want: http.StatusFound},

	// Sign in and out.
	{name: "login wrong password", method: "POST", path: fixed("/api/v1/auth/login"),
		body: body(map[string]string{"login": "admin", "password": "not-the-password"}), allow: public, want: 401},
	{name: "logout", method: "POST", path: fixed("/api/v1/auth/logout"), allow: public, want: 204, spare: true},
	{name: "me", method: "GET", path: fixed("/api/v1/auth/me"), allow: signedIn, want: 200},

	// Accounts: admin only.
	{name: "accounts list", method: "GET", path: fixed("/api/v1/accounts"), allow: adminOnly, want: 200},
	{name: "accounts create", method: "POST", path: fixed("/api/v1/accounts"), allow: adminOnly, want: 201,
		body: body(map[string]any{"login": "staff-new", "displayName": "Cán bộ mới", "role": "organizer", "password": password})},
	{name: "accounts get", method: "GET", path: path("/api/v1/accounts/%d", func(f *roleFixture) int64 { return f.Organizer.ID }),
		allow: adminOnly, want: 200},
	{name: "accounts patch", method: "PATCH", path: path("/api/v1/accounts/%d", func(f *roleFixture) int64 { return f.AccountPatch.ID }),
		body: body(map[string]any{"displayName": "Cán bộ đã sửa"}), allow: adminOnly, want: 200},
	{name: "accounts delete", method: "DELETE", path: path("/api/v1/accounts/%d", func(f *roleFixture) int64 { return f.AccountDelete.ID }),
		allow: adminOnly, want: 204},

	// Organizations: everyone reads within scope; admin writes.
	{name: "organizations list", method: "GET", path: fixed("/api/v1/organizations"), allow: signedIn, want: 200},
	{name: "organizations create", method: "POST", path: fixed("/api/v1/organizations"), allow: adminOnly, want: 201,
		body: func(f *roleFixture) any {
			return map[string]any{"parentId": f.Root.ID, "code": "CB-MOI", "name": "Chi bộ mới", "kind": "chi_bo"}
		}},
	{name: "organizations get own", method: "GET", path: path("/api/v1/organizations/%d", func(f *roleFixture) int64 { return f.A.ID }),
		allow: signedIn, want: 200},
	{name: "organizations get other", method: "GET", path: path("/api/v1/organizations/%d", func(f *roleFixture) int64 { return f.B.ID }),
		allow: signedIn, want: 200, scope: outOfScope},
	{name: "organizations get parent", method: "GET", path: path("/api/v1/organizations/%d", func(f *roleFixture) int64 { return f.Root.ID }),
		allow: signedIn, want: 200, scope: outOfScope},
	{name: "organizations patch", method: "PATCH", path: path("/api/v1/organizations/%d", func(f *roleFixture) int64 { return f.OrgPatch.ID }),
		body: body(map[string]any{"name": "Chi bộ đã sửa"}), allow: adminOnly, want: 200},
	{name: "organizations delete", method: "DELETE", path: path("/api/v1/organizations/%d", func(f *roleFixture) int64 { return f.OrgDelete.ID }),
		allow: adminOnly, want: 204},

	// Members.
	{name: "members list", method: "GET", path: fixed("/api/v1/members"), allow: signedIn, want: 200},
	{name: "members create", method: "POST", path: fixed("/api/v1/members"), allow: adminOnly, want: 201,
		body: func(f *roleFixture) any {
			return map[string]any{"code": "DV-NEW", "fullName": "Ngô Thị Mới", "organizationId": f.C.ID}
		}},
	{name: "members import", method: "POST", path: fixed("/api/v1/members/import"), allow: adminOnly, want: 200,
		upload: func(t *testing.T, f *roleFixture) ([]byte, string) {
			return multipartFile(t, "file", "danh-sach.csv", []byte("Mã đảng viên,Họ và tên,Mã tổ chức\r\nDV-IMP,Lý Thị Nhập,CB-C\r\n"))
		}},
	{name: "members get self", method: "GET", path: path("/api/v1/members/%d", func(f *roleFixture) int64 { return f.MemA.ID }),
		allow: signedIn, want: 200},
	{name: "members get own secretary", method: "GET", path: path("/api/v1/members/%d", func(f *roleFixture) int64 { return f.SecA.ID }),
		allow: signedIn, want: 200, scope: map[role]int{member: 404}},
	{name: "members get other organization", method: "GET", path: path("/api/v1/members/%d", func(f *roleFixture) int64 { return f.MemB.ID }),
		allow: signedIn, want: 200, scope: outOfScope},
	{name: "members patch", method: "PATCH", path: path("/api/v1/members/%d", func(f *roleFixture) int64 { return f.MemberPatch.ID }),
		body: body(map[string]any{"phone": "0912 345 678"}), allow: adminOnly, want: 200},
	{name: "members delete", method: "DELETE", path: path("/api/v1/members/%d", func(f *roleFixture) int64 { return f.MemberDelete.ID }),
		allow: adminOnly, want: 204},

	// Conferences.
	{name: "conferences list", method: "GET", path: fixed("/api/v1/conferences"), allow: signedIn, want: 200},
	{name: "conferences create", method: "POST", path: fixed("/api/v1/conferences"), allow: organizers, want: 201,
		body: body(map[string]any{"title": "Hội nghị mới", "startsAt": "2026-04-01T08:00:00+07:00", "endsAt": "2026-04-01T11:00:00+07:00"})},
	{name: "conferences get invited", method: "GET", path: path("/api/v1/conferences/%d", func(f *roleFixture) int64 { return f.Conf.ID }),
		allow: signedIn, want: 200},
	{name: "conferences get not invited", method: "GET", path: path("/api/v1/conferences/%d", func(f *roleFixture) int64 { return f.ConfStart.ID }),
		allow: signedIn, want: 200, scope: outOfScope},
	{name: "conferences patch", method: "PATCH", path: path("/api/v1/conferences/%d", func(f *roleFixture) int64 { return f.ConfEdit.ID }),
		body: body(map[string]any{"description": "Nội dung đã sửa"}), allow: organizers, want: 200},
	{name: "conferences delete", method: "DELETE", path: path("/api/v1/conferences/%d", func(f *roleFixture) int64 { return f.ConfDelete.ID }),
		allow: organizers, want: 204},
	{name: "conferences start", method: "POST", path: path("/api/v1/conferences/%d/start", func(f *roleFixture) int64 { return f.ConfStart.ID }),
		allow: organizers, want: 200},
	{name: "conferences end", method: "POST", path: path("/api/v1/conferences/%d/end", func(f *roleFixture) int64 { return f.ConfEnd.ID }),
		allow: organizers, want: 200},
	{name: "conferences close", method: "POST", path: path("/api/v1/conferences/%d/close", func(f *roleFixture) int64 { return f.ConfClose.ID }),
		allow: organizers, want: 200},

	// Points.
	{name: "points list", method: "GET", path: path("/api/v1/conferences/%d/points", func(f *roleFixture) int64 { return f.Conf.ID }),
		allow: signedIn, want: 200},
	{name: "points list not invited", method: "GET", path: path("/api/v1/conferences/%d/points", func(f *roleFixture) int64 { return f.ConfEdit.ID }),
		allow: signedIn, want: 200, scope: outOfScope},
	{name: "points create", method: "POST", path: path("/api/v1/conferences/%d/points", func(f *roleFixture) int64 { return f.ConfEdit.ID }),
		body: body(map[string]any{"name": "Điểm cầu mới", "location": "Hội trường A"}), allow: organizers, want: 201},
	{name: "points get own", method: "GET", path: path("/api/v1/points/%d", func(f *roleFixture) int64 { return f.PointA.ID }),
		allow: signedIn, want: 200},
	{name: "points get other", method: "GET", path: path("/api/v1/points/%d", func(f *roleFixture) int64 { return f.PointB.ID }),
		allow: signedIn, want: 200, scope: outOfScope},
	{name: "points patch", method: "PATCH", path: path("/api/v1/points/%d", func(f *roleFixture) int64 { return f.PointPatch.ID }),
		body: body(map[string]any{"location": "Hội trường tầng 2"}), allow: organizers, want: 200},
	{name: "points delete", method: "DELETE", path: path("/api/v1/points/%d", func(f *roleFixture) int64 { return f.PointDelete.ID }),
		allow: organizers, want: 204},

	// The console of a point: its codes, roster, events and materials.
	{name: "point qr", method: "GET", path: path("/api/v1/points/%d/qr", func(f *roleFixture) int64 { return f.PointA.ID }),
		allow: consoles, want: 200},
	{name: "point qr other", method: "GET", path: path("/api/v1/points/%d/qr", func(f *roleFixture) int64 { return f.PointB.ID }),
		allow: consoles, want: 200, scope: map[role]int{chair: 404}},
	{name: "qr checkin.png", method: "GET", path: path("/api/v1/points/%d/qr/checkin.png", func(f *roleFixture) int64 { return f.PointA.ID }),
		allow: consoles, want: 200},
	{name: "qr checkin.png other", method: "GET", path: path("/api/v1/points/%d/qr/checkin.png", func(f *roleFixture) int64 { return f.PointB.ID }),
		allow: consoles, want: 200, scope: map[role]int{chair: 404}},
	{name: "qr rollcall.png", method: "GET", path: path("/api/v1/points/%d/qr/rollcall.png", func(f *roleFixture) int64 { return f.PointA.ID }),
		allow: consoles, want: 200},
	{name: "qr materials.png", method: "GET", path: path("/api/v1/points/%d/qr/materials.png", func(f *roleFixture) int64 { return f.PointA.ID }),
		allow: consoles, want: 200},
	{name: "qr sheet.pdf", method: "GET", path: path("/api/v1/points/%d/qr/sheet.pdf", func(f *roleFixture) int64 { return f.PointA.ID }),
		allow: consoles, want: 200},
	{name: "qr sheet.pdf other", method: "GET", path: path("/api/v1/points/%d/qr/sheet.pdf", func(f *roleFixture) int64 { return f.PointB.ID }),
		allow: consoles, want: 200, scope: map[role]int{chair: 404}},
	{name: "point roster", method: "GET", path: path("/api/v1/points/%d/roster", func(f *roleFixture) int64 { return f.PointA.ID }),
		allow: watchers, want: 200},
	{name: "point roster other", method: "GET", path: path("/api/v1/points/%d/roster", func(f *roleFixture) int64 { return f.PointB.ID }),
		allow: watchers, want: 200, scope: map[role]int{chair: 404}},
	{name: "point events", method: "GET", path: path("/api/v1/points/%d/events", func(f *roleFixture) int64 { return f.PointA.ID }),
		allow: watchers, want: 200},
	{name: "point events other", method: "GET", path: path("/api/v1/points/%d/events", func(f *roleFixture) int64 { return f.PointB.ID }),
		allow: watchers, want: 200, scope: map[role]int{chair: 404}},
	{name: "point materials", method: "GET", path: path("/api/v1/points/%d/materials", func(f *roleFixture) int64 { return f.PointA.ID }),
		allow: watchers, want: 200},
	{name: "point materials other", method: "GET", path: path("/api/v1/points/%d/materials", func(f *roleFixture) int64 { return f.PointB.ID }),
		allow: watchers, want: 200, scope: map[role]int{chair: 404}},

	// Check-ins: a phone needs no session; changing a check-in takes its point's chair.
	{name: "manual check-in", method: "POST", path: path("/api/v1/points/%d/checkins", func(f *roleFixture) int64 { return f.PointA.ID }),
		body: func(f *roleFixture) any {
			return map[string]any{"memberId": f.ManualTarget.ID, "reason": "Quên điện thoại ở nhà"}
		}, allow: consoles, want: 201},
	{name: "manual check-in other point", method: "POST", path: path("/api/v1/points/%d/checkins", func(f *roleFixture) int64 { return f.PointB.ID }),
		body: func(f *roleFixture) any {
			return map[string]any{"memberId": f.ManualOther.ID, "reason": "Quên điện thoại ở nhà"}
		}, allow: consoles, want: 201, scope: map[role]int{chair: 404}},
	{name: "check-in ticket", method: "POST", path: fixed("/api/v1/checkins/tickets"), allow: public, want: 200,
		body: func(f *roleFixture) any { return map[string]any{"token": f.CheckinToken} }},
	{name: "check-in", method: "POST", path: fixed("/api/v1/checkins"), allow: public, want: 201,
		body: func(f *roleFixture) any {
			return map[string]any{"token": f.CheckinToken, "memberCode": f.SelfCheckIn.Code, "pin": pin, "key": "ma-tran-1"}
		}},
	{name: "check-in undo", method: "POST", path: path("/api/v1/checkins/%d/undo", func(f *roleFixture) int64 { return f.CIUndo }),
		body: body(map[string]any{"reason": "Điểm danh nhầm người"}), allow: signedIn, want: 200,
		scope: map[role]int{supervisor: 403, member: 403}},
	{name: "check-in undo other point", method: "POST", path: path("/api/v1/checkins/%d/undo", func(f *roleFixture) int64 { return f.CIOther }),
		body: body(map[string]any{"reason": "Điểm danh nhầm người"}), allow: signedIn, want: 200,
		scope: map[role]int{supervisor: 403, member: 403, chair: 404}},
	{name: "check-in checkout", method: "POST", path: path("/api/v1/checkins/%d/checkout", func(f *roleFixture) int64 { return f.CIOut }),
		body: body(map[string]any{"reason": "Về sớm có việc gia đình"}), allow: signedIn, want: 200,
		scope: map[role]int{supervisor: 403, member: 403}},
	{name: "check-in confirm", method: "POST", path: path("/api/v1/checkins/%d/confirm", func(f *roleFixture) int64 { return f.CIConfirm }),
		allow: signedIn, want: 200, scope: map[role]int{supervisor: 403, member: 403}},

	// Roll calls.
	{name: "rollcalls list", method: "GET", path: func(f *roleFixture) string {
		return fmt.Sprintf("/api/v1/conferences/%d/rollcalls?pointId=%d", f.Conf.ID, f.PointA.ID)
	}, allow: watchers, want: 200},
	{name: "rollcalls list other point", method: "GET", path: func(f *roleFixture) string {
		return fmt.Sprintf("/api/v1/conferences/%d/rollcalls?pointId=%d", f.Conf.ID, f.PointB.ID)
	}, allow: watchers, want: 200, scope: map[role]int{chair: 404}},
	// A chair names the point: the roll calls of every point are not theirs to see.
	{name: "rollcalls list every point", method: "GET", path: path("/api/v1/conferences/%d/rollcalls", func(f *roleFixture) int64 { return f.Conf.ID }),
		allow: watchers, want: 200, scope: map[role]int{chair: 422}},
	{name: "rollcalls list not invited", method: "GET", path: path("/api/v1/conferences/%d/rollcalls", func(f *roleFixture) int64 { return f.ConfEdit.ID }),
		allow: watchers, want: 200, scope: map[role]int{chair: 404}},
	// Point A has a roll call open already (the fixture's): one at a time per point.
	{name: "rollcalls start while one is open", method: "POST", path: path("/api/v1/conferences/%d/rollcalls", func(f *roleFixture) int64 { return f.Conf.ID }),
		body: func(f *roleFixture) any { return map[string]any{"pointId": f.PointA.ID, "windowMinutes": 5} }, allow: consoles, want: 409},
	{name: "rollcalls start other point", method: "POST", path: path("/api/v1/conferences/%d/rollcalls", func(f *roleFixture) int64 { return f.Conf.ID }),
		body: func(f *roleFixture) any { return map[string]any{"pointId": f.PointB.ID, "windowMinutes": 5} }, allow: consoles, want: 201,
		scope: map[role]int{chair: 422}},
	{name: "rollcall answers", method: "GET", path: path("/api/v1/rollcalls/%d/answers", func(f *roleFixture) int64 { return f.RollCall }),
		allow: watchers, want: 200},
	{name: "rollcall answer", method: "POST", path: fixed("/api/v1/rollcalls/answers"), allow: public, want: 200,
		body: func(f *roleFixture) any {
			return map[string]any{"token": f.RollCallToken, "memberCode": f.Answerer.Code, "pin": pin}
		}},

	// Documents.
	{name: "documents list", method: "GET", path: path("/api/v1/conferences/%d/documents", func(f *roleFixture) int64 { return f.Conf.ID }),
		allow: signedIn, want: 200},
	{name: "documents list not invited", method: "GET", path: path("/api/v1/conferences/%d/documents", func(f *roleFixture) int64 { return f.ConfEdit.ID }),
		allow: signedIn, want: 200, scope: outOfScope},
	{name: "documents upload", method: "POST", path: path("/api/v1/conferences/%d/documents", func(f *roleFixture) int64 { return f.Conf.ID }),
		upload: func(t *testing.T, f *roleFixture) ([]byte, string) {
			return multipartFile(t, "file", "bao-cao.pdf", pdfFile)
		}, allow: organizers, want: 201},
	{name: "document get", method: "GET", path: path("/api/v1/documents/%d", func(f *roleFixture) int64 { return f.DocConf }),
		allow: signedIn, want: 200},
	{name: "document get not invited", method: "GET", path: path("/api/v1/documents/%d", func(f *roleFixture) int64 { return f.DocEdit }),
		allow: signedIn, want: 200, scope: outOfScope},
	{name: "document delete", method: "DELETE", path: path("/api/v1/documents/%d", func(f *roleFixture) int64 { return f.DocDelete }),
		allow: organizers, want: 204},

	// Invitations.
	{name: "invitations list", method: "GET", path: path("/api/v1/conferences/%d/invitations", func(f *roleFixture) int64 { return f.Conf.ID }),
		allow: signedIn, want: 200},
	{name: "invitations list not invited", method: "GET", path: path("/api/v1/conferences/%d/invitations", func(f *roleFixture) int64 { return f.ConfEdit.ID }),
		allow: signedIn, want: 200, scope: outOfScope},
	{name: "invitations create", method: "POST", path: path("/api/v1/conferences/%d/invitations", func(f *roleFixture) int64 { return f.ConfEdit.ID }),
		body: func(f *roleFixture) any {
			return map[string]any{"memberId": f.MemberInvite.ID, "pointId": f.PointKeep.ID, "note": "Mời bổ sung"}
		}, allow: organizers, want: 201},
	{name: "invitations generate", method: "POST", path: path("/api/v1/conferences/%d/invitations/generate", func(f *roleFixture) int64 { return f.ConfEdit.ID }),
		allow: organizers, want: 200},
	{name: "invitations get own", method: "GET", path: path("/api/v1/invitations/%d", func(f *roleFixture) int64 { return f.InvMemA }),
		allow: signedIn, want: 200},
	{name: "invitations get own secretary", method: "GET", path: path("/api/v1/invitations/%d", func(f *roleFixture) int64 { return f.InvSecA }),
		allow: signedIn, want: 200, scope: map[role]int{member: 404}},
	{name: "invitations get other point", method: "GET", path: path("/api/v1/invitations/%d", func(f *roleFixture) int64 { return f.InvMemB }),
		allow: signedIn, want: 200, scope: outOfScope},
	{name: "invitations patch", method: "PATCH", path: path("/api/v1/invitations/%d", func(f *roleFixture) int64 { return f.InvPatch }),
		body: body(map[string]any{"note": "Đi công tác, cử người dự thay"}), allow: organizers, want: 200},
	{name: "invitations delete", method: "DELETE", path: path("/api/v1/invitations/%d", func(f *roleFixture) int64 { return f.InvDelete }),
		allow: organizers, want: 204},

	// Absence requests: members file their own, chairs and staff for members in their
	// scope; the store decides who may decide (see requestFixture for the records).
	{name: "absences list", method: "GET", path: fixed("/api/v1/absences"), allow: signedIn, want: 200},
	{name: "absences file", method: "POST", path: fixed("/api/v1/absences"), allow: filers, want: 201,
		body: func(f *roleFixture) any {
			return map[string]any{"conferenceId": f.AbsenceFileConf, "memberId": f.FileTarget.ID, "category": "cong_tac",
				"reason": "Đi công tác theo Quyết định số 12/QĐ-UBND"}
		}, scope: map[role]int{member: 404}},
	{name: "absences file self", method: "POST", path: fixed("/api/v1/absences"), allow: filers, want: 201,
		body: func(f *roleFixture) any {
			return map[string]any{"conferenceId": f.AbsenceFileConf, "category": "om_dau", "reason": "Ốm, có giấy khám bệnh"}
		}, scope: map[role]int{admin: 422, organizer: 422}},
	{name: "absences file with a document", method: "POST", path: fixed("/api/v1/absences"), allow: filers, want: 201,
		upload: func(t *testing.T, f *roleFixture) ([]byte, string) {
			return multipartRequest(t, map[string]string{"conferenceId": fmt.Sprint(f.AbsenceFileConf),
				"memberId": fmt.Sprint(f.UploadTarget.ID), "category": "bat_kha_khang", "reason": "Bão số 3, đường bị chia cắt"},
				uploadFile{name: "xac-nhan.pdf", data: pdfFile})
		}, scope: map[role]int{member: 404}},
	{name: "absences get", method: "GET", path: path("/api/v1/absences/%d", func(f *roleFixture) int64 { return f.AbsWithdraw }),
		allow: signedIn, want: 200},
	{name: "absences get other point", method: "GET", path: path("/api/v1/absences/%d", func(f *roleFixture) int64 { return f.AbsOther }),
		allow: signedIn, want: 200, scope: outOfScope},
	{name: "absences attachment", method: "GET", path: func(f *roleFixture) string {
		return fmt.Sprintf("/api/v1/absences/%d/attachments/%d", f.AbsAttach, f.AttAttach)
	}, allow: signedIn, want: 200},
	{name: "absences attachment other point", method: "GET", path: func(f *roleFixture) string {
		return fmt.Sprintf("/api/v1/absences/%d/attachments/%d", f.AbsOther, f.AttOther)
	}, allow: signedIn, want: 200, scope: outOfScope},
	{name: "absences attach", method: "POST", path: path("/api/v1/absences/%d/attachments", func(f *roleFixture) int64 { return f.AbsAttach }),
		upload: func(t *testing.T, f *roleFixture) ([]byte, string) {
			return multipartRequest(t, nil, uploadFile{name: "bo-sung.pdf", data: pdfFile})
		}, allow: filers, want: 201, scope: map[role]int{organizer: 403}},
	{name: "absences withdraw", method: "POST", path: path("/api/v1/absences/%d/withdraw", func(f *roleFixture) int64 { return f.AbsWithdraw }),
		allow: selves, want: 200},
	{name: "absences decision", method: "POST", path: path("/api/v1/absences/%d/decision", func(f *roleFixture) int64 { return f.AbsDecide }),
		body: body(map[string]any{"decision": "approved", "note": "Đồng ý"}), allow: consoles, want: 200},
	{name: "absences decision other point", method: "POST", path: path("/api/v1/absences/%d/decision", func(f *roleFixture) int64 { return f.AbsOther }),
		body: body(map[string]any{"decision": "rejected", "note": "Chưa có giấy tờ"}), allow: consoles, want: 200,
		scope: map[role]int{chair: 404}},
	{name: "absences review", method: "POST", path: path("/api/v1/absences/%d/reviews", func(f *roleFixture) int64 { return f.AbsReview }),
		body:  body(map[string]any{"action": "overturned", "note": "Giấy xác nhận không đúng thời gian"}),
		allow: []role{supervisor}, want: 201},

	// Delegations.
	{name: "delegations list", method: "GET", path: fixed("/api/v1/delegations"), allow: signedIn, want: 200},
	{name: "delegations file", method: "POST", path: fixed("/api/v1/delegations"), allow: filers, want: 201,
		body: func(f *roleFixture) any {
			return map[string]any{"conferenceId": f.AbsenceFileConf, "memberId": f.FileTarget.ID,
				"substituteId": f.DelegationFileTo, "reason": "Đi công tác, cử người dự thay"}
		}, scope: map[role]int{member: 404}},
	{name: "delegations file self", method: "POST", path: fixed("/api/v1/delegations"), allow: filers, want: 201,
		body: func(f *roleFixture) any {
			return map[string]any{"conferenceId": f.AbsenceFileConf, "substituteId": f.Sub1.ID, "reason": "Ốm, cử người dự thay"}
		}, scope: map[role]int{admin: 422, organizer: 422}},
	{name: "delegations get", method: "GET", path: path("/api/v1/delegations/%d", func(f *roleFixture) int64 { return f.DelWithdraw }),
		allow: signedIn, want: 200},
	{name: "delegations get other point", method: "GET", path: path("/api/v1/delegations/%d", func(f *roleFixture) int64 { return f.DelOther }),
		allow: signedIn, want: 200, scope: outOfScope},
	{name: "delegations withdraw", method: "POST", path: path("/api/v1/delegations/%d/withdraw", func(f *roleFixture) int64 { return f.DelWithdraw }),
		allow: selves, want: 200},
	{name: "delegations decision", method: "POST", path: path("/api/v1/delegations/%d/decision", func(f *roleFixture) int64 { return f.DelDecide }),
		body: body(map[string]any{"decision": "approved"}), allow: consoles, want: 200},

	// Supervision, reopening and the audit log.
	{name: "repeat absentees", method: "GET", path: fixed("/api/v1/supervision/repeat-absentees?year=2026"),
		allow: []role{admin, organizer, supervisor}, want: 200},
	{name: "conferences reopen", method: "POST", path: path("/api/v1/conferences/%d/reopen", func(f *roleFixture) int64 { return f.ConfReopen.ID }),
		body: body(map[string]any{"reason": "Bổ sung giải trình theo yêu cầu của Ủy ban Kiểm tra"}), allow: organizers, want: 200},
	{name: "audit verify", method: "GET", path: fixed("/api/v1/audit/verify"), allow: auditors, want: 200},
	{name: "audit list", method: "GET", path: fixed("/api/v1/audit?action=absence.file"), allow: auditors, want: 200},
	{name: "supervision page", method: "GET", path: fixed("/vi/admin/supervision"), allow: public, want: 200,
		scope: map[role]int{chair: 403, member: 403, anonymous: http.StatusSeeOther}},
	{name: "member requests page", method: "GET", path: fixed("/vi/requests"), allow: public, want: 200,
		scope: map[role]int{admin: 403, organizer: 403, supervisor: 403, anonymous: http.StatusSeeOther}},
}

// TestRoutes_RoleMatrix walks each role over each endpoint. Every role gets a fresh
// database, and every request that changes something has a record of its own, so the
// cases do not depend on one another. After the walk, the tables a role may not write
// must be exactly as they were.
func TestRoutes_RoleMatrix(t *testing.T) {
	eachTarget(t, func(t *testing.T, tg testdb.Target) {
		for _, r := range allRoles {
			t.Run(string(r), func(t *testing.T) {
				now := t0.Add(5 * time.Minute)
				srv, db := mustServer(t, tg, withClock(func() time.Time { return now }))
				f := mustRoleFixture(t, srv, db, r)
				before := mustSnapshot(t, db)
				for _, c := range routeCases {
					t.Run(c.name, func(t *testing.T) {
						token := f.token
						if c.spare {
							token = f.spareToken
						}
						p := c.path(f)
						var res result
						if c.upload != nil {
							raw, ct := c.upload(t, f)
							res = do(t, srv, c.method, p, token, raw, ct)
						} else {
							var b any
							if c.body != nil {
								b = c.body(f)
							}
							res = doJSON(t, srv, c.method, p, token, b)
						}
						want := c.expect(r)
						if res.Status != want {
							t.Fatalf("%s %s as %s: got %s, want %d", c.method, p, r, res, want)
						}
						if want >= 400 && strings.HasPrefix(p, "/api/") {
							mustProblem(t, res, want, map[int]string{401: "", 403: "/problems/forbidden", 404: "/problems/not-found",
								422: "/problems/validation"}[want])
						}
					})
				}
				after := mustSnapshot(t, db)
				for table, rows := range before {
					if writes(r, table) {
						continue
					}
					if after[table] != rows {
						t.Errorf("%s changed table %s it may not write:\nbefore %s\nafter  %s", r, table, rows, after[table])
					}
				}
				// The session the logout case ended is gone; the other still works.
				if r != anonymous {
					mustStatus(t, doJSON(t, srv, "GET", "/api/v1/auth/me", f.spareToken, nil), 401, "me after logout")
					mustStatus(t, doJSON(t, srv, "GET", "/api/v1/auth/me", f.token, nil), 200, "me with the other session")
				}
			})
		}
	})
}

// writes reports whether role may change table.
func writes(r role, table string) bool {
	switch r {
	case admin:
		return true
	case organizer:
		return table == "conferences" || table == "points" || table == "invitations" || table == "documents" || table == "rollcalls"
	case chair:
		return table == "rollcalls"
	}
	return false
}

// mustSnapshot describes every registry row by the fields requests may change.
func mustSnapshot(t *testing.T, db *sqlstore.DB) map[string]string {
	t.Helper()
	ctx := context.Background()
	all := attendance.Scope{All: true}
	big := attendance.Page{Size: attendance.MaxPageSize}
	out := map[string]string{}
	var b strings.Builder
	accounts, err := db.Accounts(ctx, "", "", big)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range accounts.Items {
		fmt.Fprintf(&b, "%d %s %s %s %v|", a.ID, a.Login, a.DisplayName, a.Role, a.Active)
	}
	out["accounts"] = b.String()
	b.Reset()
	orgs, err := db.Organizations(ctx, attendance.OrganizationFilter{Scope: all, Page: big})
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range orgs.Items {
		var parent int64
		code := ""
		if o.ParentID != nil {
			parent = *o.ParentID
		}
		if o.Code != nil {
			code = *o.Code
		}
		fmt.Fprintf(&b, "%d %d %s %s %s|", o.ID, parent, code, o.Name, o.Kind)
	}
	out["organizations"] = b.String()
	b.Reset()
	members, err := db.Members(ctx, attendance.MemberFilter{Scope: all, Page: big})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range members.Items {
		fmt.Fprintf(&b, "%d %s %s %d %s %s %v|", m.ID, m.Code, m.FullName, m.OrganizationID, m.Position, m.Phone, m.Active)
	}
	out["members"] = b.String()
	b.Reset()
	confs, err := db.Conferences(ctx, attendance.ConferenceFilter{Scope: all, Page: big})
	if err != nil {
		t.Fatal(err)
	}
	var points, invs, docs, rcs strings.Builder
	for _, c := range confs.Items {
		ds, err := db.Documents(ctx, c.ID, true)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range ds {
			fmt.Fprintf(&docs, "%d %d %s|", d.ID, d.ConferenceID, d.Title)
		}
		rs, err := db.RollCalls(ctx, c.ID, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rs {
			fmt.Fprintf(&rcs, "%d %d %v|", r.ID, r.ConferenceID, r.PointID != nil)
		}
		fmt.Fprintf(&b, "%d %s %s %s|", c.ID, c.Title, c.Description, c.Status)
		ps, err := db.Points(ctx, attendance.PointFilter{ConferenceID: c.ID, Scope: all, Page: big})
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range ps.Items {
			fmt.Fprintf(&points, "%d %d %s %s %v|", p.ID, p.ConferenceID, p.Name, p.Location, p.OrganizationIDs)
		}
		is, err := db.Invitations(ctx, attendance.InvitationFilter{ConferenceID: c.ID, Scope: all, Page: big})
		if err != nil {
			t.Fatal(err)
		}
		for _, i := range is.Items {
			fmt.Fprintf(&invs, "%d %d %d %s|", i.ID, i.PointID, i.MemberID, i.Note)
		}
	}
	out["conferences"], out["points"], out["invitations"] = b.String(), points.String(), invs.String()
	out["documents"], out["rollcalls"] = docs.String(), rcs.String()
	return out
}

// TestRoutes_Scope checks what each member-side role sees in lists and lookups: a
// chair their organization's members, points and invitations; a member themselves.
func TestRoutes_Scope(t *testing.T) {
	eachTarget(t, func(t *testing.T, tg testdb.Target) {
		srv, db := mustServer(t, tg)
		w := mustWorld(t, db)
		other := mustConference(t, db, "Hội nghị của chi bộ B")
		mustPoint(t, db, other.ID, "Điểm cầu riêng chi bộ B", w.B.ID)
		rootSec := mustMember(t, db, w.Root.ID, "DV-R1", "Bùi Thị Khối", attendance.PositionSecretary)

		type view struct {
			name        string
			token       string
			members     []int64
			orgs        []int64
			confs       []int64
			points      []int64 // of w.Conf
			invitees    []int64 // members invited to w.Conf that are visible
			hiddenPaths []string
		}
		views := []view{
			{name: "chair A", token: memberLogin(t, srv, w.SecA.Code),
				members: sorted(w.SecA.ID, w.MemA.ID), orgs: sorted(w.A.ID), confs: sorted(w.Conf.ID),
				points: sorted(w.PointA.ID), invitees: sorted(w.SecA.ID, w.MemA.ID),
				hiddenPaths: []string{
					fmt.Sprintf("/api/v1/members/%d", w.MemB.ID),
					fmt.Sprintf("/api/v1/members/%d", w.SecB.ID),
					fmt.Sprintf("/api/v1/points/%d", w.PointB.ID),
					fmt.Sprintf("/api/v1/invitations/%d", w.InvMemB),
					fmt.Sprintf("/api/v1/organizations/%d", w.B.ID),
					fmt.Sprintf("/api/v1/conferences/%d", other.ID),
					fmt.Sprintf("/api/v1/conferences/%d/points", other.ID),
					fmt.Sprintf("/api/v1/conferences/%d/invitations", other.ID),
				}},
			{name: "chair B", token: memberLogin(t, srv, w.SecB.Code),
				members: sorted(w.SecB.ID, w.MemB.ID), orgs: sorted(w.B.ID), confs: sorted(w.Conf.ID, other.ID),
				points: sorted(w.PointB.ID), invitees: sorted(w.SecB.ID, w.MemB.ID),
				hiddenPaths: []string{
					fmt.Sprintf("/api/v1/members/%d", w.MemA.ID),
					fmt.Sprintf("/api/v1/points/%d", w.PointA.ID),
					fmt.Sprintf("/api/v1/invitations/%d", w.InvSecA),
				}},
			{name: "member A", token: memberLogin(t, srv, w.MemA.Code),
				members: sorted(w.MemA.ID), orgs: sorted(w.A.ID), confs: sorted(w.Conf.ID),
				points: sorted(w.PointA.ID), invitees: sorted(w.MemA.ID),
				hiddenPaths: []string{
					fmt.Sprintf("/api/v1/members/%d", w.SecA.ID),
					fmt.Sprintf("/api/v1/members/%d", w.MemB.ID),
					fmt.Sprintf("/api/v1/points/%d", w.PointB.ID),
					fmt.Sprintf("/api/v1/invitations/%d", w.InvSecA),
					fmt.Sprintf("/api/v1/invitations/%d", w.InvMemB),
					fmt.Sprintf("/api/v1/organizations/%d", w.Root.ID),
					fmt.Sprintf("/api/v1/conferences/%d", other.ID),
				}},
			{name: "secretary of the đảng bộ chairs its subtree", token: memberLogin(t, srv, rootSec.Code),
				members: sorted(w.SecA.ID, w.MemA.ID, w.SecB.ID, w.MemB.ID, rootSec.ID),
				orgs:    sorted(w.Root.ID, w.A.ID, w.B.ID, w.C.ID), confs: sorted(w.Conf.ID, other.ID),
				points: sorted(w.PointA.ID, w.PointB.ID), invitees: sorted(w.SecA.ID, w.MemA.ID, w.SecB.ID, w.MemB.ID)},
			{name: "supervisor", token: staffLogin(t, srv, "supervisor"),
				members: sorted(w.SecA.ID, w.MemA.ID, w.SecB.ID, w.MemB.ID, rootSec.ID),
				orgs:    sorted(w.Root.ID, w.A.ID, w.B.ID, w.C.ID), confs: sorted(w.Conf.ID, other.ID),
				points: sorted(w.PointA.ID, w.PointB.ID), invitees: sorted(w.SecA.ID, w.MemA.ID, w.SecB.ID, w.MemB.ID)},
		}
		for _, v := range views {
			t.Run(v.name, func(t *testing.T) {
				check := func(what string, got, want []int64) {
					t.Helper()
					if !slices.Equal(got, want) {
						t.Errorf("%s: got %v, want %v", what, got, want)
					}
				}
				ml := mustList[idOnly](t, srv, "/api/v1/members", v.token)
				check("members", ids(ml.Items), v.members)
				if ml.Total != int64(len(v.members)) {
					t.Errorf("members total: got %d, want %d", ml.Total, len(v.members))
				}
				check("organizations", ids(mustList[idOnly](t, srv, "/api/v1/organizations", v.token).Items), v.orgs)
				check("conferences", ids(mustList[idOnly](t, srv, "/api/v1/conferences", v.token).Items), v.confs)
				check("points", ids(mustList[idOnly](t, srv, fmt.Sprintf("/api/v1/conferences/%d/points", w.Conf.ID), v.token).Items), v.points)
				type invitee struct {
					MemberID int64 `json:"memberId"`
				}
				il := mustList[invitee](t, srv, fmt.Sprintf("/api/v1/conferences/%d/invitations", w.Conf.ID), v.token)
				var got []int64
				for _, i := range il.Items {
					got = append(got, i.MemberID)
				}
				check("invitees", sorted(got...), v.invitees)
				// A filter naming something out of scope finds nothing rather than widening
				// the scope.
				outside := mustList[idOnly](t, srv, fmt.Sprintf("/api/v1/members?organizationId=%d&subtree=true", w.Root.ID), v.token)
				check("members under the root", ids(outside.Items), v.members)
				for _, p := range v.hiddenPaths {
					mustProblem(t, doJSON(t, srv, "GET", p, v.token, nil), 404, "/problems/not-found")
				}
			})
		}

		t.Run("a member's token is refused on staff endpoints", func(t *testing.T) {
			token := memberLogin(t, srv, w.MemA.Code)
			for _, c := range []struct{ method, path string }{
				{"GET", "/api/v1/accounts"},
				{"POST", "/api/v1/organizations"},
				{"POST", "/api/v1/members"},
				{"POST", "/api/v1/members/import"},
				{"POST", "/api/v1/conferences"},
				{"POST", fmt.Sprintf("/api/v1/conferences/%d/start", w.Conf.ID)},
				{"PATCH", fmt.Sprintf("/api/v1/members/%d", w.MemA.ID)},
				{"DELETE", fmt.Sprintf("/api/v1/invitations/%d", w.InvMemA)},
			} {
				mustProblem(t, doJSON(t, srv, c.method, c.path, token, map[string]any{}), 403, "/problems/forbidden")
			}
		})
	})
}

// TestRoutes_ScopeLive checks scope on a live conference: roll calls, their answers,
// point rosters and documents, as chairs, members and staff see them.
func TestRoutes_ScopeLive(t *testing.T) {
	eachTarget(t, func(t *testing.T, tg testdb.Target) {
		now := t0.Add(5 * time.Minute)
		srv, db := mustServer(t, tg, withClock(func() time.Time { return now }))
		w := mustWorld(t, db)
		ctx := context.Background()
		mustTransition(t, db, w.Conf.ID, "start")
		staff := attendance.Principal{Role: attendance.RoleAdmin, AccountID: w.Admin.ID}
		rollCall := func(point int64) int64 {
			t.Helper()
			rc, err := db.StartRollCall(ctx, w.Conf.ID, point, 10*time.Minute, staff)
			if err != nil {
				t.Fatal(err)
			}
			return rc.ID
		}
		// One roll call at a time per point: A's and B's run together, the one for all
		// after they ended.
		rcA, rcB := rollCall(w.PointA.ID), rollCall(w.PointB.ID)
		if _, err := db.AnswerRollCall(ctx, rcB, w.PointB.ID, w.MemB.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := db.StartRollCall(ctx, w.Conf.ID, 0, 10*time.Minute, staff); !errors.Is(err, attendance.ErrRollCallOpen) {
			t.Errorf("a roll call for all while A's is open: %v, want ErrRollCallOpen", err)
		}
		now = now.Add(11 * time.Minute)
		rcAll := rollCall(0)
		if _, err := db.StartRollCall(ctx, w.Conf.ID, w.PointA.ID, 10*time.Minute, staff); !errors.Is(err, attendance.ErrRollCallOpen) {
			t.Errorf("a roll call of A while one for all is open: %v, want ErrRollCallOpen", err)
		}
		for _, a := range []struct{ rc, point, member int64 }{{rcAll, w.PointB.ID, w.SecB.ID}, {rcAll, w.PointA.ID, w.MemA.ID}} {
			if _, err := db.AnswerRollCall(ctx, a.rc, a.point, a.member); err != nil {
				t.Fatal(err)
			}
		}
		public := attendance.Document{ConferenceID: w.Conf.ID, Title: "Tài liệu hội nghị", FileName: "tai-lieu.pdf",
			ContentType: "application/pdf", Data: pdfFile}
		secret := attendance.Document{ConferenceID: w.Conf.ID, Title: "Tài liệu mật", FileName: "mat.pdf",
			ContentType: "application/pdf", Data: pdfFile, Secret: true}
		for _, d := range []*attendance.Document{&public, &secret} {
			if err := db.CreateDocument(ctx, d); err != nil {
				t.Fatal(err)
			}
		}
		chairA := memberLogin(t, srv, w.SecA.Code)
		memberA := memberLogin(t, srv, w.MemA.Code)
		organizer := staffLogin(t, srv, "organizer")
		conf := fmt.Sprintf("/api/v1/conferences/%d", w.Conf.ID)

		type rollCallJSON struct {
			ID       int64  `json:"id"`
			PointID  *int64 `json:"pointId"`
			Answered int64  `json:"answered"`
		}
		type answersJSON struct {
			Items []struct {
				MemberID int64 `json:"memberId"`
				PointID  int64 `json:"pointId"`
			} `json:"items"`
		}
		t.Run("chair A's roll calls", func(t *testing.T) {
			var l struct {
				Items []rollCallJSON `json:"items"`
			}
			doJSON(t, srv, "GET", fmt.Sprintf("%s/rollcalls?pointId=%d", conf, w.PointA.ID), chairA, nil).decode(t, &l)
			var got []int64
			for _, rc := range l.Items {
				got = append(got, rc.ID)
				if rc.ID == rcAll && rc.Answered != 1 {
					t.Errorf("the roll call of every point: got %d answers, want point A's 1", rc.Answered)
				}
			}
			if want := sorted(rcA, rcAll); !slices.Equal(sorted(got...), want) {
				t.Errorf("got roll calls %v, want %v", sorted(got...), want)
			}
			p := mustProblem(t, doJSON(t, srv, "GET", conf+"/rollcalls", chairA, nil), 422, "/problems/validation")
			if !p.has("pointId", "required") {
				t.Errorf("without pointId: got %v, want pointId required", p.codes())
			}
			mustProblem(t, doJSON(t, srv, "GET", fmt.Sprintf("%s/rollcalls?pointId=%d", conf, w.PointB.ID), chairA, nil), 404, "/problems/not-found")
		})
		t.Run("answers", func(t *testing.T) {
			for _, c := range []struct {
				token string
				rc    int64
				want  []int64
			}{
				{chairA, rcAll, sorted(w.MemA.ID)},
				{chairA, rcB, nil},
				{organizer, rcAll, sorted(w.MemA.ID, w.SecB.ID)},
				{organizer, rcB, sorted(w.MemB.ID)},
			} {
				var a answersJSON
				doJSON(t, srv, "GET", fmt.Sprintf("/api/v1/rollcalls/%d/answers", c.rc), c.token, nil).decode(t, &a)
				var got []int64
				for _, it := range a.Items {
					got = append(got, it.MemberID)
				}
				if !slices.Equal(sorted(got...), c.want) && !(len(got) == 0 && len(c.want) == 0) {
					t.Errorf("roll call %d: got %v, want %v", c.rc, sorted(got...), c.want)
				}
			}
			mustProblem(t, doJSON(t, srv, "GET", fmt.Sprintf("/api/v1/rollcalls/%d/answers", rcA), memberA, nil), 403, "/problems/forbidden")
		})
		t.Run("rosters", func(t *testing.T) {
			var r struct {
				Items []invitationJSON `json:"entries"`
			}
			res := doJSON(t, srv, "GET", fmt.Sprintf("/api/v1/points/%d/roster", w.PointA.ID), chairA, nil)
			mustStatus(t, res, 200, "roster of point A")
			res.decode(t, &r)
			if got, want := memberIDs(r.Items), sorted(w.SecA.ID, w.MemA.ID); !slices.Equal(got, want) {
				t.Errorf("got %v, want %v", got, want)
			}
			mustProblem(t, doJSON(t, srv, "GET", fmt.Sprintf("/api/v1/points/%d/roster", w.PointB.ID), chairA, nil), 404, "/problems/not-found")
			mustProblem(t, doJSON(t, srv, "GET", fmt.Sprintf("/api/v1/points/%d/roster", w.PointA.ID), memberA, nil), 403, "/problems/forbidden")
		})
		t.Run("secret documents", func(t *testing.T) {
			for _, c := range []struct {
				token string
				want  []int64
			}{{memberA, sorted(public.ID)}, {chairA, sorted(public.ID)}, {organizer, sorted(public.ID, secret.ID)}} {
				var l struct {
					Items []idOnly `json:"items"`
				}
				doJSON(t, srv, "GET", conf+"/documents", c.token, nil).decode(t, &l)
				if got := ids(l.Items); !slices.Equal(got, c.want) {
					t.Errorf("got documents %v, want %v", got, c.want)
				}
				mustProblem(t, doJSON(t, srv, "GET", fmt.Sprintf("/api/v1/documents/%d", secret.ID), c.token, nil), 403, "/problems/secret-document")
			}
			r := doJSON(t, srv, "GET", fmt.Sprintf("/api/v1/documents/%d", public.ID), memberA, nil)
			mustStatus(t, r, 200, "open the document")
			if !bytes.Equal(r.Body, pdfFile) || r.Header.Get("Content-Type") != "application/pdf" {
				t.Errorf("got %q %q, want the PDF", r.Header.Get("Content-Type"), r.Body)
			}
		})
	})
}
