package sqlstore_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/diemcau/diemcau/attendance"
	"github.com/diemcau/diemcau/attendance/sqlstore"
	"github.com/diemcau/diemcau/internal/testdb"
)

var t0 = time.Date(2026, 2, 7, 8, 0, 0, 0, time.UTC)

func clock() func() time.Time { return func() time.Time { return t0 } }

func ptr[T any](v T) *T { return &v }

func mustOrg(t *testing.T, db *sqlstore.DB, parent *int64, code, name string, kind attendance.OrgKind) attendance.Organization {
	t.Helper()
	o := attendance.Organization{ParentID: parent, Code: ptr(code), Name: name, Kind: kind}
	if err := db.CreateOrganization(context.Background(), &o); err != nil {
		t.Fatalf("create organization %q: %v", name, err)
	}
	return o
}

func mustMember(t *testing.T, db *sqlstore.DB, org int64, code, name string, pos attendance.Position) attendance.Member {
	t.Helper()
	m := attendance.Member{Code: code, FullName: name, OrganizationID: org, Position: pos, Active: true}
	if err := db.CreateMember(context.Background(), &m, "123456"); err != nil {
		t.Fatalf("create member %q: %v", name, err)
	}
	return m
}

func fieldCodes(err error) map[string]string {
	var ve *attendance.ValidationError
	if !errors.As(err, &ve) {
		return nil
	}
	out := map[string]string{}
	for _, f := range ve.Fields {
		out[f.Field] = f.Code
	}
	return out
}

func TestDB_Organizations(t *testing.T) {
	testdb.Each(t, clock(), func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		root := mustOrg(t, db, nil, "DBK", "Đảng bộ Khối các cơ quan tỉnh", attendance.KindDangBo)
		cell := mustOrg(t, db, &root.ID, "CB-TG", "Chi bộ Ban Tuyên giáo Tỉnh uỷ", attendance.KindChiBo)

		t.Run("duplicate code", func(t *testing.T) {
			o := attendance.Organization{Code: ptr("DBK"), Name: "Khác", Kind: attendance.KindChiBo}
			if got := fieldCodes(db.CreateOrganization(ctx, &o)); got["code"] != attendance.CodeDuplicate {
				t.Errorf("got %v, want code duplicate", got)
			}
		})
		t.Run("invalid fields", func(t *testing.T) {
			o := attendance.Organization{Name: " ", Kind: "x"}
			got := fieldCodes(db.CreateOrganization(ctx, &o))
			if got["name"] != attendance.CodeRequired || got["kind"] != attendance.CodeOneOf {
				t.Errorf("got %v, want name required and kind one_of", got)
			}
		})
		t.Run("unknown parent", func(t *testing.T) {
			o := attendance.Organization{ParentID: ptr(int64(9999)), Name: "X", Kind: attendance.KindChiBo}
			if got := fieldCodes(db.CreateOrganization(ctx, &o)); got["parentId"] != attendance.CodeUnknown {
				t.Errorf("got %v, want parentId unknown", got)
			}
		})
		t.Run("cycle", func(t *testing.T) {
			r := root
			r.ParentID = &cell.ID
			if got := fieldCodes(db.UpdateOrganization(ctx, &r)); got["parentId"] != attendance.CodeSelfCycle {
				t.Errorf("got %v, want parentId cycle", got)
			}
		})
		t.Run("list children", func(t *testing.T) {
			l, err := db.Organizations(ctx, attendance.OrganizationFilter{ParentID: &root.ID, Scope: attendance.Scope{All: true}})
			if err != nil || l.Total != 1 || l.Items[0].Name != cell.Name {
				t.Errorf("got %+v, %v; want the one cell", l, err)
			}
		})
		t.Run("search Vietnamese", func(t *testing.T) {
			l, err := db.Organizations(ctx, attendance.OrganizationFilter{Query: "Tuyên giáo", Scope: attendance.Scope{All: true}})
			if err != nil || l.Total != 1 {
				t.Errorf("got %d, %v; want 1", l.Total, err)
			}
		})
		t.Run("delete in use", func(t *testing.T) {
			if err := db.DeleteOrganization(ctx, root.ID); !errors.Is(err, attendance.ErrConflict) {
				t.Errorf("got %v, want ErrConflict", err)
			}
		})
		t.Run("update and delete", func(t *testing.T) {
			c := cell
			c.Name = "Chi bộ Ban Tuyên giáo và Dân vận Tỉnh uỷ"
			if err := db.UpdateOrganization(ctx, &c); err != nil {
				t.Fatal(err)
			}
			got, _ := db.Organization(ctx, attendance.Scope{All: true}, c.ID)
			if got.Name != c.Name || got.ParentID == nil || *got.ParentID != root.ID {
				t.Errorf("got %+v, want renamed under root", got)
			}
			if err := db.DeleteOrganization(ctx, c.ID); err != nil {
				t.Fatal(err)
			}
			if _, err := db.Organization(ctx, attendance.Scope{All: true}, c.ID); !errors.Is(err, attendance.ErrNotFound) {
				t.Errorf("got %v, want ErrNotFound", err)
			}
		})
	})
}

func TestDB_MembersAndSignIn(t *testing.T) {
	testdb.Each(t, clock(), func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		root := mustOrg(t, db, nil, "DBK", "Đảng bộ Khối", attendance.KindDangBo)
		cell := mustOrg(t, db, &root.ID, "CB1", "Chi bộ 1", attendance.KindChiBo)
		other := mustOrg(t, db, &root.ID, "CB2", "Chi bộ 2", attendance.KindChiBo)
		sec := mustMember(t, db, cell.ID, "DV000001", "Nguyễn Thị Thuỳ Dương", attendance.PositionSecretary)
		mem := mustMember(t, db, cell.ID, "DV000002", "Trần Văn Đức", attendance.PositionMember)
		stranger := mustMember(t, db, other.ID, "DV000003", "Lê Quý Đôn", attendance.PositionMember)

		t.Run("name kept exactly", func(t *testing.T) {
			got, err := db.Member(ctx, attendance.Scope{All: true}, sec.ID)
			if err != nil || got.FullName != "Nguyễn Thị Thuỳ Dương" {
				t.Errorf("got %q, %v", got.FullName, err)
			}
		})
		t.Run("duplicate code", func(t *testing.T) {
			m := attendance.Member{Code: "DV000001", FullName: "X", OrganizationID: cell.ID}
			if got := fieldCodes(db.CreateMember(ctx, &m, "")); got["code"] != attendance.CodeDuplicate {
				t.Errorf("got %v, want code duplicate", got)
			}
		})
		t.Run("bad pin and organization", func(t *testing.T) {
			m := attendance.Member{Code: "DV9", FullName: "X", OrganizationID: 424242}
			got := fieldCodes(db.CreateMember(ctx, &m, "12"))
			if got["pin"] != attendance.CodeInvalid {
				t.Errorf("got %v, want pin invalid", got)
			}
			if got := fieldCodes(db.CreateMember(ctx, &m, "")); got["organizationId"] != attendance.CodeUnknown {
				t.Errorf("got %v, want organizationId unknown", got)
			}
		})
		t.Run("secretary signs in as chair of the cell", func(t *testing.T) {
			p, _, err := db.MemberSignIn(ctx, "DV000001", "123456")
			if err != nil {
				t.Fatal(err)
			}
			if p.Role != attendance.RoleChair || len(p.OrgIDs) != 1 || p.OrgIDs[0] != cell.ID {
				t.Fatalf("got %+v, want chair of %d", p, cell.ID)
			}
			l, _ := db.Members(ctx, attendance.MemberFilter{Scope: p.Scope()})
			if l.Total != 2 {
				t.Errorf("chair sees %d members, want 2", l.Total)
			}
			if _, err := db.Member(ctx, p.Scope(), stranger.ID); !errors.Is(err, attendance.ErrNotFound) {
				t.Errorf("chair reads a stranger: got %v, want ErrNotFound", err)
			}
		})
		t.Run("member sees only self", func(t *testing.T) {
			p, _, err := db.MemberSignIn(ctx, "DV000002", "123456")
			if err != nil || p.Role != attendance.RoleMember {
				t.Fatalf("got %+v, %v", p, err)
			}
			l, _ := db.Members(ctx, attendance.MemberFilter{Scope: p.Scope()})
			if l.Total != 1 || l.Items[0].ID != mem.ID {
				t.Errorf("got %+v, want only self", l)
			}
		})
		t.Run("wrong pin", func(t *testing.T) {
			if _, _, err := db.MemberSignIn(ctx, "DV000002", "654321"); !errors.Is(err, attendance.ErrBadCredentials) {
				t.Errorf("got %v, want ErrBadCredentials", err)
			}
		})
		t.Run("inactive member cannot sign in", func(t *testing.T) {
			m := stranger
			m.Active = false
			if err := db.UpdateMember(ctx, &m, ""); err != nil {
				t.Fatal(err)
			}
			if _, _, err := db.MemberSignIn(ctx, "DV000003", "123456"); !errors.Is(err, attendance.ErrBadCredentials) {
				t.Errorf("got %v, want ErrBadCredentials", err)
			}
		})
		t.Run("staff sessions", func(t *testing.T) {
			a := attendance.Account{Login: "organizer", DisplayName: "Văn phòng", Role: attendance.RoleOrganizer, Active: true}
			if err := db.CreateAccount(ctx, &a, "mật-khẩu-đủ-dài"); err != nil {
				t.Fatal(err)
			}
			if _, err := db.AuthenticateStaff(ctx, "organizer", "wrong-password"); !errors.Is(err, attendance.ErrBadCredentials) {
				t.Errorf("got %v, want ErrBadCredentials", err)
			}
			p, err := db.AuthenticateStaff(ctx, "organizer", "mật-khẩu-đủ-dài")
			if err != nil {
				t.Fatal(err)
			}
			tok, err := db.CreateSession(ctx, p, time.Hour)
			if err != nil {
				t.Fatal(err)
			}
			got, err := db.SessionPrincipal(ctx, tok)
			if err != nil || got.Role != attendance.RoleOrganizer {
				t.Errorf("got %+v, %v", got, err)
			}
			a.Role = attendance.RoleSupervisor
			if err := db.UpdateAccount(ctx, attendance.Principal{AccountID: 1, Role: attendance.RoleAdmin}, &a, ""); err != nil {
				t.Fatal(err)
			}
			if _, err := db.SessionPrincipal(ctx, tok); !errors.Is(err, attendance.ErrUnauthenticated) {
				t.Errorf("after role change: got %v, want ErrUnauthenticated", err)
			}
		})
	})
}

func TestDB_ConferenceLifecycle(t *testing.T) {
	testdb.Each(t, clock(), func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		all := attendance.Scope{All: true}
		root := mustOrg(t, db, nil, "DBK", "Đảng bộ Khối", attendance.KindDangBo)
		sub := mustOrg(t, db, &root.ID, "DB-YT", "Đảng bộ Sở Y tế", attendance.KindDangBo)
		cellA := mustOrg(t, db, &sub.ID, "CB-A", "Chi bộ A", attendance.KindChiBo)
		cellB := mustOrg(t, db, &root.ID, "CB-B", "Chi bộ B", attendance.KindChiBo)
		secA := mustMember(t, db, cellA.ID, "A1", "Phạm Thị Lan", attendance.PositionSecretary)
		mustMember(t, db, cellA.ID, "A2", "Vũ Văn Nam", attendance.PositionMember)
		mustMember(t, db, cellB.ID, "B1", "Đỗ Thị Mai", attendance.PositionSecretary)
		late := attendance.Member{Code: "B2", FullName: "Bùi Văn Hải", OrganizationID: cellB.ID, Position: attendance.PositionMember, Active: true}

		c := attendance.Conference{Title: "Hội nghị quán triệt Nghị quyết", StartsAt: t0, EndsAt: t0.Add(3 * time.Hour)}
		if err := db.CreateConference(ctx, &c); err != nil {
			t.Fatal(err)
		}
		t.Run("bad times", func(t *testing.T) {
			bad := attendance.Conference{Title: "X", StartsAt: t0, EndsAt: t0.Add(-time.Hour)}
			if got := fieldCodes(db.CreateConference(ctx, &bad)); got["endsAt"] != attendance.CodeOrder {
				t.Errorf("got %v, want endsAt order", got)
			}
		})
		p1 := attendance.Point{ConferenceID: c.ID, Name: "Điểm cầu Sở Y tế", OrganizationIDs: []int64{sub.ID}}
		if err := db.CreatePoint(ctx, &p1); err != nil {
			t.Fatal(err)
		}
		p2 := attendance.Point{ConferenceID: c.ID, Name: "Điểm cầu Chi bộ B", OrganizationIDs: []int64{cellB.ID}}
		if err := db.CreatePoint(ctx, &p2); err != nil {
			t.Fatal(err)
		}
		invs := func(point int64) int64 {
			t.Helper()
			l, err := db.Invitations(ctx, attendance.InvitationFilter{ConferenceID: c.ID, PointID: point, Scope: all})
			if err != nil {
				t.Fatal(err)
			}
			return l.Total
		}
		t.Run("points invite their subtree", func(t *testing.T) {
			if got := invs(p1.ID); got != 2 {
				t.Errorf("point 1: got %d invitations, want 2", got)
			}
			if got := invs(p2.ID); got != 1 {
				t.Errorf("point 2: got %d invitations, want 1", got)
			}
		})
		t.Run("chair sees own point only", func(t *testing.T) {
			p, _, err := db.MemberSignIn(ctx, secA.Code, "123456")
			if err != nil {
				t.Fatal(err)
			}
			l, _ := db.Points(ctx, attendance.PointFilter{ConferenceID: c.ID, Scope: p.Scope()})
			if l.Total != 1 || l.Items[0].ID != p1.ID {
				t.Errorf("got %+v, want point 1 only", l.Items)
			}
		})
		t.Run("removed invitation stays removed", func(t *testing.T) {
			l, _ := db.Invitations(ctx, attendance.InvitationFilter{ConferenceID: c.ID, PointID: p2.ID, Scope: all})
			if err := db.DeleteInvitation(ctx, l.Items[0].ID); err != nil {
				t.Fatal(err)
			}
			if n, err := db.GenerateInvitations(ctx, c.ID); err != nil || n != 0 {
				t.Errorf("regenerated %d, %v; want 0", n, err)
			}
		})
		if err := db.CreateMember(ctx, &late, ""); err != nil {
			t.Fatal(err)
		}
		t.Run("start invites members added since", func(t *testing.T) {
			got, err := db.TransitionConference(ctx, c.ID, "start")
			if err != nil || got.Status != attendance.StatusLive || got.StartedAt == nil {
				t.Fatalf("got %+v, %v", got, err)
			}
			if n := invs(p2.ID); n != 1 {
				t.Errorf("point 2 after start: got %d, want 1 (B2 invited, B1 still removed)", n)
			}
		})
		t.Run("transitions", func(t *testing.T) {
			if _, err := db.TransitionConference(ctx, c.ID, "start"); !errors.Is(err, attendance.ErrInvalidTransition) {
				t.Errorf("start twice: got %v", err)
			}
			if _, err := db.TransitionConference(ctx, c.ID, "close"); !errors.Is(err, attendance.ErrInvalidTransition) {
				t.Errorf("close while live: got %v", err)
			}
			if err := db.DeletePoint(ctx, p1.ID); !errors.Is(err, attendance.ErrInvalidTransition) {
				t.Errorf("delete point of live conference: got %v", err)
			}
			for _, a := range []string{"end", "close"} {
				if _, err := db.TransitionConference(ctx, c.ID, a); err != nil {
					t.Fatalf("%s: %v", a, err)
				}
			}
			c.Title = "Đổi tên"
			if err := db.UpdateConference(ctx, &c); !errors.Is(err, attendance.ErrInvalidTransition) {
				t.Errorf("edit closed: got %v", err)
			}
		})
	})
}
