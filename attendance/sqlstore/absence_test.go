package sqlstore_test

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/diemcau/diemcau/attendance"
	"github.com/diemcau/diemcau/attendance/sqlstore"
	"github.com/diemcau/diemcau/internal/testdb"
)

// absFixture is a conference (08:00–11:00 on t0's day) with two points: A, attended by
// chi bộ A (secretary secA, deputy depA, members a1, a2), and B, by chi bộ B (secretary
// secB, member b1). Member x of chi bộ C is not invited. Principals are as they sign
// in: members and chairs with their code and PIN, staff with an account.
type absFixture struct {
	conf                              attendance.Conference
	pointA, pointB                    attendance.Point
	secA, depA, a1, a2, secB, b1, x   attendance.Member
	organizer, supervisor             attendance.Principal
	pSecA, pDepA, pA1, pA2, pSecB, pX attendance.Principal
}

func mustAbsFixture(t *testing.T, db *sqlstore.DB) absFixture {
	t.Helper()
	ctx := context.Background()
	var f absFixture
	root := mustOrg(t, db, nil, "R", "Đảng bộ Khối", attendance.KindDangBo)
	a := mustOrg(t, db, &root.ID, "A", "Chi bộ A", attendance.KindChiBo)
	b := mustOrg(t, db, &root.ID, "B", "Chi bộ B", attendance.KindChiBo)
	c := mustOrg(t, db, &root.ID, "C", "Chi bộ C", attendance.KindChiBo)
	f.secA = mustMember(t, db, a.ID, "A-BT", "Nguyễn Thị Hoà", attendance.PositionSecretary)
	f.depA = mustMember(t, db, a.ID, "A-PBT", "Trần Văn Quý", attendance.PositionDeputy)
	f.a1 = mustMember(t, db, a.ID, "A1", "Lê Thị Ánh", attendance.PositionMember)
	f.a2 = mustMember(t, db, a.ID, "A2", "Phạm Văn Đông", attendance.PositionMember)
	f.secB = mustMember(t, db, b.ID, "B-BT", "Hoàng Văn Bảy", attendance.PositionSecretary)
	f.b1 = mustMember(t, db, b.ID, "B1", "Vũ Thị Cúc", attendance.PositionMember)
	f.x = mustMember(t, db, c.ID, "C1", "Đặng Văn Xuân", attendance.PositionMember)
	f.conf = attendance.Conference{Title: "Hội nghị quán triệt Nghị quyết", StartsAt: t0, EndsAt: t0.Add(3 * time.Hour),
		CheckinLead: 30 * time.Minute, LateGrace: 10 * time.Minute, EarlyLeaveGrace: 10 * time.Minute}
	if err := db.CreateConference(ctx, &f.conf); err != nil {
		t.Fatal(err)
	}
	f.pointA = attendance.Point{ConferenceID: f.conf.ID, Name: "Điểm cầu A", OrganizationIDs: []int64{a.ID}}
	f.pointB = attendance.Point{ConferenceID: f.conf.ID, Name: "Điểm cầu B", OrganizationIDs: []int64{b.ID}}
	for _, p := range []*attendance.Point{&f.pointA, &f.pointB} {
		if err := db.CreatePoint(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	for _, m := range []struct {
		p    *attendance.Principal
		code string
	}{{&f.pSecA, "A-BT"}, {&f.pDepA, "A-PBT"}, {&f.pA1, "A1"}, {&f.pA2, "A2"}, {&f.pSecB, "B-BT"}, {&f.pX, "C1"}} {
		p, _, err := db.MemberSignIn(ctx, m.code, "123456")
		if err != nil {
			t.Fatalf("sign in %s: %v", m.code, err)
		}
		*m.p = p
	}
	for _, acc := range []struct {
		p    *attendance.Principal
		role attendance.Role
	}{{&f.organizer, attendance.RoleOrganizer}, {&f.supervisor, attendance.RoleSupervisor}} {
		a := attendance.Account{Login: string(acc.role), DisplayName: string(acc.role), Role: acc.role, Active: true}
		if err := db.CreateAccount(ctx, &a, "mật-khẩu-đủ-dài"); err != nil {
			t.Fatal(err)
		}
		*acc.p = attendance.Principal{Role: acc.role, AccountID: a.ID, Name: a.DisplayName}
	}
	return f
}

func (f absFixture) input(m attendance.Member, reason string) attendance.AbsenceInput {
	return attendance.AbsenceInput{ConferenceID: f.conf.ID, MemberID: m.ID, Category: attendance.CategoryCongTac, Reason: reason}
}

func mustFile(t *testing.T, db *sqlstore.DB, p attendance.Principal, in attendance.AbsenceInput) attendance.AbsenceRequest {
	t.Helper()
	a, err := db.FileAbsence(context.Background(), p, in)
	if err != nil {
		t.Fatalf("file absence: %v", err)
	}
	return a
}

func wantErr(t *testing.T, what string, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Errorf("%s: got %v, want %v", what, err, want)
	}
}

func TestDB_Absences(t *testing.T) {
	clk := &movableClock{t: t0.Add(-2 * time.Hour)}
	testdb.Each(t, clk.Now, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		clk.Set(t0.Add(-2 * time.Hour))
		f := mustAbsFixture(t, db)

		var req attendance.AbsenceRequest
		t.Run("request before the start", func(t *testing.T) {
			req = mustFile(t, db, f.pA1, attendance.AbsenceInput{ConferenceID: f.conf.ID, Category: attendance.CategoryOmDau,
				Reason: " Ốm, nằm viện "})
			if req.Kind != attendance.KindRequest || req.Status != attendance.DecisionPending || req.MemberID != f.a1.ID ||
				req.Reason != "Ốm, nằm viện" || req.FiledByMemberID == nil || *req.FiledByMemberID != f.a1.ID {
				t.Errorf("got %+v; want a pending request of a1 filed by a1", req)
			}
		})
		t.Run("one open request per member", func(t *testing.T) {
			_, err := db.FileAbsence(ctx, f.pA1, f.input(f.a1, "Lần nữa"))
			wantErr(t, "second request", err, attendance.ErrConflict)
		})
		t.Run("not invited", func(t *testing.T) {
			// To the member, a conference they are not invited to does not exist.
			_, err := db.FileAbsence(ctx, f.pX, attendance.AbsenceInput{ConferenceID: f.conf.ID, Category: attendance.CategoryKhac, Reason: "x"})
			wantErr(t, "uninvited member", err, attendance.ErrNotFound)
			// Staff, who see it, are told the member is not invited.
			_, err = db.FileAbsence(ctx, f.organizer, attendance.AbsenceInput{ConferenceID: f.conf.ID, MemberID: f.x.ID,
				Category: attendance.CategoryKhac, Reason: "x"})
			wantErr(t, "uninvited member, by the organizer", err, attendance.ErrNotInvited)
		})
		t.Run("who may file for whom", func(t *testing.T) {
			_, err := db.FileAbsence(ctx, f.pA2, f.input(f.b1, "Hộ"))
			wantErr(t, "a member for another", err, attendance.ErrNotFound)
			_, err = db.FileAbsence(ctx, f.supervisor, f.input(f.b1, "Hộ"))
			wantErr(t, "a supervisor", err, attendance.ErrForbidden)
			_, err = db.FileAbsence(ctx, f.pSecB, f.input(f.a2, "Hộ"))
			wantErr(t, "a chair for another point's member", err, attendance.ErrNotFound)
			_, err = db.FileAbsence(ctx, f.organizer, attendance.AbsenceInput{ConferenceID: f.conf.ID, Category: attendance.CategoryKhac, Reason: "x"})
			if got := fieldCodes(err); got["memberId"] != attendance.CodeRequired {
				t.Errorf("staff without a member: got %v", err)
			}
			_, err = db.FileAbsence(ctx, f.pA2, attendance.AbsenceInput{ConferenceID: f.conf.ID + 100, Category: attendance.CategoryKhac, Reason: "x"})
			wantErr(t, "unknown conference", err, attendance.ErrNotFound)
		})
		t.Run("withdraw", func(t *testing.T) {
			_, err := db.WithdrawAbsence(ctx, f.pA2, req.ID)
			wantErr(t, "another member", err, attendance.ErrNotFound)
			_, err = db.WithdrawAbsence(ctx, f.pSecA, req.ID)
			wantErr(t, "the chair", err, attendance.ErrForbidden)
			got, err := db.WithdrawAbsence(ctx, f.pA1, req.ID)
			if err != nil || got.Status != attendance.DecisionWithdrawn {
				t.Fatalf("got %+v, %v; want withdrawn", got, err)
			}
			_, err = db.WithdrawAbsence(ctx, f.pA1, req.ID)
			wantErr(t, "withdraw twice", err, attendance.ErrAlreadyDecided)
			_, err = db.DecideAbsence(ctx, f.pSecA, req.ID, true, "")
			wantErr(t, "decide withdrawn", err, attendance.ErrAlreadyDecided)
		})
		t.Run("file again after withdrawing", func(t *testing.T) {
			req = mustFile(t, db, f.pA1, f.input(f.a1, "Đi công tác Hà Nội"))
		})

		t.Run("who decides a member's request", func(t *testing.T) {
			_, err := db.DecideAbsence(ctx, f.pA1, req.ID, true, "")
			wantErr(t, "the member", err, attendance.ErrSelfApproval)
			_, err = db.DecideAbsence(ctx, f.pA2, req.ID, true, "")
			wantErr(t, "another member", err, attendance.ErrNotFound)
			_, err = db.DecideAbsence(ctx, f.pSecB, req.ID, true, "")
			wantErr(t, "the chair of another point", err, attendance.ErrNotFound)
			_, err = db.DecideAbsence(ctx, f.pDepA, req.ID, true, "")
			wantErr(t, "the deputy while the secretary is there", err, attendance.ErrNotApprover)
			_, err = db.DecideAbsence(ctx, f.supervisor, req.ID, true, "")
			wantErr(t, "a supervisor", err, attendance.ErrNotApprover)
			_, err = db.DecideAbsence(ctx, f.pSecA, req.ID, false, " ")
			wantErr(t, "reject without a note", err, attendance.ErrInvalid)
			if err := db.CanDecide(ctx, f.pSecA, req); err != nil {
				t.Errorf("CanDecide(secretary of A) = %v", err)
			}
			if err := db.CanDecide(ctx, f.pSecB, req); !errors.Is(err, attendance.ErrNotApprover) {
				t.Errorf("CanDecide(secretary of B) = %v, want ErrNotApprover", err)
			}
		})
		t.Run("the chair approves", func(t *testing.T) {
			clk.Set(t0.Add(-90 * time.Minute))
			got, err := db.DecideAbsence(ctx, f.pSecA, req.ID, true, "Đồng ý")
			if err != nil || got.Status != attendance.DecisionApproved || got.DecidedByMemberID == nil ||
				*got.DecidedByMemberID != f.secA.ID || got.DecidedAt == nil || !got.DecidedAt.Equal(t0.Add(-90*time.Minute)) ||
				got.DecisionNote != "Đồng ý" {
				t.Fatalf("got %+v, %v; want approved by secA now", got, err)
			}
			_, err = db.DecideAbsence(ctx, f.pSecA, req.ID, false, "Đổi ý")
			wantErr(t, "decide twice", err, attendance.ErrAlreadyDecided)
			_, err = db.DecideAbsence(ctx, f.organizer, req.ID, false, "Đổi ý")
			wantErr(t, "decide again as organizer", err, attendance.ErrAlreadyDecided)
			_, err = db.WithdrawAbsence(ctx, f.pA1, req.ID)
			wantErr(t, "withdraw approved", err, attendance.ErrAlreadyDecided)
			v, err := db.Absence(ctx, f.pA1.Scope(), req.ID)
			if err != nil || v.Status != attendance.DecisionApproved || v.FullName != f.a1.FullName || v.PointID != f.pointA.ID {
				t.Errorf("member reads it back: got %+v, %v", v, err)
			}
		})

		var secReq attendance.AbsenceRequest
		t.Run("the secretary's request is the organizer's", func(t *testing.T) {
			secReq = mustFile(t, db, f.pSecA, f.input(f.secA, "Họp Tỉnh uỷ"))
			_, err := db.DecideAbsence(ctx, f.pSecA, secReq.ID, true, "")
			wantErr(t, "the secretary", err, attendance.ErrSelfApproval)
			_, err = db.DecideAbsence(ctx, f.pDepA, secReq.ID, true, "")
			wantErr(t, "the deputy", err, attendance.ErrNotApprover)
			_, err = db.DecideAbsence(ctx, f.pSecB, secReq.ID, true, "")
			wantErr(t, "another chair", err, attendance.ErrNotFound)
			got, err := db.DecideAbsence(ctx, f.organizer, secReq.ID, true, "")
			if err != nil || got.Status != attendance.DecisionApproved || got.DecidedByAccountID == nil ||
				*got.DecidedByAccountID != f.organizer.AccountID || got.DecidedByMemberID != nil {
				t.Fatalf("got %+v, %v; want approved by the organizer", got, err)
			}
		})
		t.Run("the deputy decides while the secretary is away", func(t *testing.T) {
			r := mustFile(t, db, f.pA2, f.input(f.a2, "Con ốm"))
			got, err := db.DecideAbsence(ctx, f.pDepA, r.ID, false, "Chưa có giấy tờ")
			if err != nil || got.Status != attendance.DecisionRejected || *got.DecidedByMemberID != f.depA.ID {
				t.Fatalf("got %+v, %v; want rejected by the deputy", got, err)
			}
			// Rejected, the member may ask again.
			mustFile(t, db, f.pA2, f.input(f.a2, "Con ốm, có giấy viện"))
		})

		t.Run("explanation after the start", func(t *testing.T) {
			clk.Set(t0.Add(time.Hour))
			if _, err := db.TransitionConference(ctx, f.conf.ID, "start"); err != nil {
				t.Fatal(err)
			}
			// The chair of B files for b1, who phoned in.
			got := mustFile(t, db, f.pSecB, f.input(f.b1, "Xe hỏng giữa đường"))
			if got.Kind != attendance.KindExplanation || got.FiledByMemberID == nil || *got.FiledByMemberID != f.secB.ID {
				t.Errorf("got %+v; want an explanation filed by the chair of B", got)
			}
		})
		t.Run("the chair of B decides B's explanations", func(t *testing.T) {
			if err := db.CanDecide(ctx, f.pSecB, attendance.AbsenceRequest{ConferenceID: f.conf.ID, MemberID: f.b1.ID}); err != nil {
				t.Errorf("CanDecide(secB for b1) = %v, want nil", err)
			}
		})

		t.Run("attachments", func(t *testing.T) {
			pdf := append([]byte("%PDF-1.7\n"), bytes.Repeat([]byte("x"), 1000)...)
			in := f.input(f.depA, "Đi học")
			in.Attachments = []attendance.AbsenceAttachment{
				{FileName: "quyet-dinh.pdf", ContentType: "application/pdf", Data: pdf},
				{FileName: "anh.jpg", ContentType: "image/jpeg", Data: []byte("\xff\xd8\xff jpeg")},
			}
			a := mustFile(t, db, f.pDepA, in)
			v, err := db.Absence(ctx, f.pSecA.Scope(), a.ID)
			if err != nil || len(v.Attachments) != 2 || v.Attachments[0].Data != nil || v.Attachments[0].Size != int64(len(pdf)) ||
				len(v.Attachments[0].SHA256) != 64 {
				t.Fatalf("got %+v, %v; want two attachments without data", v.Attachments, err)
			}
			got, err := db.AbsenceAttachment(ctx, f.pSecA.Scope(), v.Attachments[0].ID)
			if err != nil || !bytes.Equal(got.Data, pdf) || got.FileName != "quyet-dinh.pdf" {
				t.Errorf("chair reads the file: got %d bytes, %v", len(got.Data), err)
			}
			_, err = db.AbsenceAttachment(ctx, f.pA1.Scope(), v.Attachments[0].ID)
			wantErr(t, "another member reads the file", err, attendance.ErrNotFound)
			_, err = db.AbsenceAttachment(ctx, f.pSecB.Scope(), v.Attachments[0].ID)
			wantErr(t, "another chair reads the file", err, attendance.ErrNotFound)

			more := []attendance.AbsenceAttachment{{FileName: "1.png", ContentType: "image/png", Data: []byte("png")},
				{FileName: "2.png", ContentType: "image/png", Data: []byte("png")}, {FileName: "3.png", ContentType: "image/png", Data: []byte("png")}}
			_, err = db.AddAbsenceAttachments(ctx, f.pSecA, a.ID, more[:1])
			wantErr(t, "someone else adds", err, attendance.ErrForbidden)
			if _, err := db.AddAbsenceAttachments(ctx, f.pDepA, a.ID, more); err != nil {
				t.Fatalf("fifth file: %v", err)
			}
			_, err = db.AddAbsenceAttachments(ctx, f.pDepA, a.ID, more[:1])
			if got := fieldCodes(err); got["attachments"] != attendance.CodeRange {
				t.Errorf("sixth file: got %v", err)
			}
			bad := f.input(f.depA, "x")
			bad.Attachments = []attendance.AbsenceAttachment{{FileName: "a.exe", ContentType: "application/x-msdownload", Data: []byte("MZ")}}
			_, err = db.FileAbsence(ctx, f.pDepA, bad)
			if got := fieldCodes(err); got["attachments[0]"] != attendance.CodeFileType {
				t.Errorf("wrong type: got %v", err)
			}
		})

		t.Run("lists by scope", func(t *testing.T) {
			all := attendance.AbsenceFilter{ConferenceID: f.conf.ID, Scope: attendance.Scope{All: true}}
			l, err := db.Absences(ctx, all)
			if err != nil || l.Total != 7 {
				t.Fatalf("organizer: got %d, %v; want 7 (with the withdrawn one)", l.Total, err)
			}
			if l.Items[0].ConferenceTitle != f.conf.Title || l.Items[0].FullName == "" {
				t.Errorf("got %+v; want names", l.Items[0])
			}
			count := func(f attendance.AbsenceFilter) int64 {
				t.Helper()
				l, err := db.Absences(ctx, f)
				if err != nil {
					t.Fatal(err)
				}
				return l.Total
			}
			pending := all
			pending.Status = attendance.DecisionPending
			if n := count(pending); n != 3 {
				t.Errorf("pending: got %d, want 3 (a2 again, b1, depA)", n)
			}
			chairA := attendance.AbsenceFilter{Scope: f.pSecA.Scope()}
			if n := count(chairA); n != 6 {
				t.Errorf("chair of A: got %d, want 6", n)
			}
			chairB := attendance.AbsenceFilter{Scope: f.pSecB.Scope()}
			if n := count(chairB); n != 1 {
				t.Errorf("chair of B: got %d, want 1", n)
			}
			own := attendance.AbsenceFilter{Scope: f.pA1.Scope()}
			if n := count(own); n != 2 {
				t.Errorf("member a1: got %d, want 2", n)
			}
			explanations := all
			explanations.Kind = attendance.KindExplanation
			if n := count(explanations); n != 2 {
				t.Errorf("explanations: got %d, want 2", n)
			}
			orgB := all
			orgB.OrganizationIDs = []int64{f.b1.OrganizationID}
			if n := count(orgB); n != 1 {
				t.Errorf("organization B: got %d, want 1", n)
			}
			later := all
			later.From = t0.Add(time.Hour)
			if n := count(later); n != 0 {
				t.Errorf("conferences from 09:00: got %d, want 0", n)
			}
		})

		t.Run("nothing changes once closed", func(t *testing.T) {
			clk.Set(t0.Add(4 * time.Hour))
			l, _ := db.Absences(ctx, attendance.AbsenceFilter{ConferenceID: f.conf.ID, MemberID: f.b1.ID, Scope: attendance.Scope{All: true}})
			pend := l.Items[0]
			for _, a := range []string{"end", "close"} {
				if _, err := db.TransitionConference(ctx, f.conf.ID, a); err != nil {
					t.Fatal(err)
				}
			}
			_, err := db.FileAbsence(ctx, f.pSecB, f.input(f.secB, "Giải trình muộn"))
			wantErr(t, "explanation after close", err, attendance.ErrDeadline)
			_, err = db.DecideAbsence(ctx, f.organizer, pend.ID, true, "")
			wantErr(t, "decide after close", err, attendance.ErrDeadline)
			_, err = db.WithdrawAbsence(ctx, f.pSecB, pend.ID)
			wantErr(t, "withdraw after close", err, attendance.ErrDeadline)
		})
		t.Run("reopen", func(t *testing.T) {
			_, err := db.ReopenConference(ctx, f.pSecA, f.conf.ID, "Sót giải trình")
			wantErr(t, "a chair", err, attendance.ErrForbidden)
			_, err = db.ReopenConference(ctx, f.organizer, f.conf.ID, "  ")
			wantErr(t, "no reason", err, attendance.ErrInvalid)
			c, err := db.ReopenConference(ctx, f.organizer, f.conf.ID, "Sót giải trình của đồng chí Bảy")
			if err != nil || c.Status != attendance.StatusEnded || c.ClosedAt != nil {
				t.Fatalf("got %+v, %v; want ended again", c, err)
			}
			got, err := db.Conference(ctx, attendance.Scope{All: true}, f.conf.ID)
			if err != nil || got.Status != attendance.StatusEnded || got.ClosedAt != nil {
				t.Errorf("stored: got %+v, %v", got, err)
			}
			_, err = db.ReopenConference(ctx, f.organizer, f.conf.ID, "Lần nữa")
			wantErr(t, "reopen an ended conference", err, attendance.ErrInvalidTransition)
			a := mustFile(t, db, f.pSecB, f.input(f.secB, "Giải trình muộn"))
			if a.Kind != attendance.KindExplanation {
				t.Errorf("got %s, want explanation", a.Kind)
			}
			l, err := db.AuditEntries(ctx, attendance.AuditFilter{Action: attendance.ActionConferenceReopen})
			if err != nil || l.Total != 1 || l.Items[0].Reason != "Sót giải trình của đồng chí Bảy" ||
				l.Items[0].Before != `{"status":"closed","closedAt":"2026-02-07T12:00:00Z"}` || l.Items[0].After != `{"status":"ended"}` {
				t.Errorf("audit: got %+v, %v", l.Items, err)
			}
		})
		t.Run("every change audited, chain intact", func(t *testing.T) {
			r, err := db.VerifyAudit(ctx)
			if err != nil || !r.OK || r.Checked < 12 {
				t.Errorf("VerifyAudit() = %+v, %v; want ok over every change", r, err)
			}
			l, _ := db.AuditEntries(ctx, attendance.AuditFilter{ObjectType: "absence", ObjectID: req.ID})
			var actions []string
			for i := len(l.Items) - 1; i >= 0; i-- {
				actions = append(actions, l.Items[i].Action)
			}
			if len(actions) != 2 || actions[0] != attendance.ActionAbsenceFile || actions[1] != attendance.ActionAbsenceDecide {
				t.Errorf("audit of request %d: got %v, want file then decide", req.ID, actions)
			}
		})
	})
}

func TestDB_ReviewAbsence(t *testing.T) {
	clk := &movableClock{t: t0.Add(-2 * time.Hour)}
	testdb.Each(t, clk.Now, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		clk.Set(t0.Add(-2 * time.Hour))
		f := mustAbsFixture(t, db)
		approvedReq := mustFile(t, db, f.pA1, f.input(f.a1, "Đi công tác"))
		if _, err := db.DecideAbsence(ctx, f.pSecA, approvedReq.ID, true, ""); err != nil {
			t.Fatal(err)
		}
		rejectedReq := mustFile(t, db, f.pA2, f.input(f.a2, "Bận"))
		if _, err := db.DecideAbsence(ctx, f.pSecA, rejectedReq.ID, false, "Lý do chưa chính đáng"); err != nil {
			t.Fatal(err)
		}
		pendingReq := mustFile(t, db, f.pB1(t, db), f.input(f.b1, "Ốm"))

		t.Run("only supervisors", func(t *testing.T) {
			_, err := db.ReviewAbsence(ctx, f.organizer, approvedReq.ID, attendance.ReviewReviewed, "")
			wantErr(t, "organizer", err, attendance.ErrForbidden)
			_, err = db.ReviewAbsence(ctx, f.pSecA, approvedReq.ID, attendance.ReviewReviewed, "")
			wantErr(t, "chair", err, attendance.ErrForbidden)
		})
		t.Run("reviewed and flagged", func(t *testing.T) {
			if _, err := db.ReviewAbsence(ctx, f.supervisor, approvedReq.ID, attendance.ReviewReviewed, ""); err != nil {
				t.Fatal(err)
			}
			_, err := db.ReviewAbsence(ctx, f.supervisor, approvedReq.ID, attendance.ReviewFlagged, "")
			wantErr(t, "flag without a note", err, attendance.ErrInvalid)
			r, err := db.ReviewAbsence(ctx, f.supervisor, approvedReq.ID, attendance.ReviewFlagged, "Kiểm tra lại giấy công tác")
			if err != nil || r.ReviewerAccountID != f.supervisor.AccountID || r.Action != attendance.ReviewFlagged {
				t.Fatalf("got %+v, %v", r, err)
			}
			_, err = db.ReviewAbsence(ctx, f.supervisor, approvedReq.ID+1000, attendance.ReviewReviewed, "")
			wantErr(t, "unknown request", err, attendance.ErrNotFound)
		})
		t.Run("overturn", func(t *testing.T) {
			_, err := db.ReviewAbsence(ctx, f.supervisor, pendingReq.ID, attendance.ReviewOverturned, "Không")
			wantErr(t, "overturn pending", err, attendance.ErrInvalidTransition)
			_, err = db.ReviewAbsence(ctx, f.supervisor, approvedReq.ID, attendance.ReviewOverturned, "")
			wantErr(t, "overturn without a reason", err, attendance.ErrInvalid)

			// The conference closes; supervision still acts, audited.
			clk.Set(t0.Add(4 * time.Hour))
			for _, a := range []string{"start", "end", "close"} {
				if _, err := db.TransitionConference(ctx, f.conf.ID, a); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := db.ReviewAbsence(ctx, f.supervisor, approvedReq.ID, attendance.ReviewOverturned, "Giấy công tác không hợp lệ"); err != nil {
				t.Fatal(err)
			}
			if _, err := db.ReviewAbsence(ctx, f.supervisor, rejectedReq.ID, attendance.ReviewOverturned, "Có giấy viện hợp lệ"); err != nil {
				t.Fatal(err)
			}
			for id, want := range map[int64]attendance.DecisionStatus{approvedReq.ID: attendance.DecisionRejected,
				rejectedReq.ID: attendance.DecisionApproved} {
				v, err := db.Absence(ctx, attendance.Scope{All: true}, id)
				if err != nil || v.Status != want || !v.Overturned {
					t.Errorf("request %d: got %s overturned %v, %v; want %s overturned", id, v.Status, v.Overturned, err, want)
				}
			}
			rs, err := db.Reviews(ctx, approvedReq.ID)
			if err != nil || len(rs) != 3 || rs[2].Action != attendance.ReviewOverturned {
				t.Errorf("reviews: got %+v, %v", rs, err)
			}
			outcomes, err := db.ConferenceOutcomes(ctx, f.conf.ID)
			if err != nil {
				t.Fatal(err)
			}
			got := map[int64]attendance.Status{}
			for _, o := range outcomes {
				got[o.Invitation.MemberID] = o.Status
			}
			if got[f.a1.ID] != attendance.StatusUnexcused || got[f.a2.ID] != attendance.StatusExcused || got[f.b1.ID] != attendance.StatusPending {
				t.Errorf("outcomes after overturns: a1 %s, a2 %s, b1 %s; want unexcused, excused, pending (never decided, docs/design.md §10.5)",
					got[f.a1.ID], got[f.a2.ID], got[f.b1.ID])
			}
			// The reports credit the approver with their own decision, then the overturn
			// (docs/design.md §14.1): the conference's and the member's alike.
			r, err := db.ConferenceReport(ctx, f.conf.ID)
			if err != nil {
				t.Fatal(err)
			}
			from, to := attendance.YearBounds(t0.Year())
			for _, m := range []attendance.Member{f.a1, f.a2} {
				var rec attendance.AbsenceRecord
				for _, a := range r.Absentees {
					if a.MemberID == m.ID {
						rec = a.AbsenceRecord
					}
				}
				mr, err := db.MemberReport(ctx, m.ID, from, to)
				if err != nil || len(mr.Entries) != 1 {
					t.Fatalf("member report of %s: %+v, %v", m.FullName, mr.Entries, err)
				}
				for what, rec := range map[string]attendance.AbsenceRecord{"conference": rec, "member": mr.Entries[0].AbsenceRecord} {
					if rec.DecidedAs == rec.Decision || rec.DecidedBy == "" || len(rec.Overturns) != 1 ||
						rec.Overturns[0].To != rec.Decision || rec.Overturns[0].Reason == "" || rec.Overturns[0].By == "" {
						t.Errorf("%s report, %s: %+v; want the approver's decision and one overturn with who and why", what, m.FullName, rec)
					}
				}
			}
			l, _ := db.AuditEntries(ctx, attendance.AuditFilter{Action: attendance.ActionAbsenceOverturn})
			if l.Total != 2 || l.Items[0].ActorAccountID == nil || *l.Items[0].ActorAccountID != f.supervisor.AccountID ||
				l.Items[0].Reason != "Có giấy viện hợp lệ" {
				t.Errorf("overturns audited: got %+v", l.Items)
			}
		})
		t.Run("overturn to a second open request refused", func(t *testing.T) {
			if _, err := db.ReopenConference(ctx, f.organizer, f.conf.ID, "Bổ sung"); err != nil {
				t.Fatal(err)
			}
			// a1's request is now rejected; a1 files another, which is open.
			mustFile(t, db, f.pA1, f.input(f.a1, "Bổ sung giấy tờ"))
			_, err := db.ReviewAbsence(ctx, f.supervisor, approvedReq.ID, attendance.ReviewOverturned, "Trả lại")
			wantErr(t, "two open requests", err, attendance.ErrConflict)
		})
	})
}

// pB1 signs in b1.
func (f absFixture) pB1(t *testing.T, db *sqlstore.DB) attendance.Principal {
	t.Helper()
	p, _, err := db.MemberSignIn(context.Background(), f.b1.Code, "123456")
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestDB_Delegations(t *testing.T) {
	clk := &movableClock{t: t0.Add(-2 * time.Hour)}
	testdb.Each(t, clk.Now, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		clk.Set(t0.Add(-2 * time.Hour))
		f := mustAbsFixture(t, db)
		in := func(m, sub attendance.Member) attendance.DelegationInput {
			return attendance.DelegationInput{ConferenceID: f.conf.ID, MemberID: m.ID, SubstituteID: sub.ID, Reason: "Đi công tác đột xuất"}
		}
		var d attendance.Delegation
		t.Run("file", func(t *testing.T) {
			var err error
			d, err = db.FileDelegation(ctx, f.pA1, attendance.DelegationInput{ConferenceID: f.conf.ID, SubstituteID: f.x.ID,
				Reason: "Đi công tác đột xuất"})
			if err != nil || d.Status != attendance.DecisionPending || d.MemberID != f.a1.ID || d.SubstituteID != f.x.ID {
				t.Fatalf("got %+v, %v", d, err)
			}
		})
		t.Run("refused", func(t *testing.T) {
			y := mustMember(t, db, f.x.OrganizationID, "C3", "Mai Văn Yên", attendance.PositionMember)
			_, err := db.FileDelegation(ctx, f.pA1, in(f.a1, y))
			wantErr(t, "second delegation", err, attendance.ErrConflict)
			_, err = db.FileDelegation(ctx, f.pA2, in(f.a2, f.b1))
			var ve *attendance.ValidationError
			if got := fieldCodes(err); got["substituteId"] != attendance.CodeInvited || !errors.As(err, &ve) ||
				ve.Fields[0].Param != f.b1.FullName {
				t.Errorf("invited substitute: got %v, want invited naming %s", err, f.b1.FullName)
			}
			_, err = db.FileDelegation(ctx, f.pA2, in(f.a2, f.x))
			if got := fieldCodes(err); got["substituteId"] != attendance.CodeDuplicate {
				t.Errorf("substitute already substituting: got %v", err)
			}
			_, err = db.FileDelegation(ctx, f.pA2, in(f.a2, f.a2))
			if got := fieldCodes(err); got["substituteId"] != attendance.CodeInvalid {
				t.Errorf("oneself: got %v", err)
			}
			_, err = db.FileDelegation(ctx, f.pA2, attendance.DelegationInput{ConferenceID: f.conf.ID, SubstituteID: 424242, Reason: "x"})
			if got := fieldCodes(err); got["substituteId"] != attendance.CodeUnknown {
				t.Errorf("unknown substitute: got %v", err)
			}
			_, err = db.FileDelegation(ctx, f.pX, in(f.x, f.a1))
			wantErr(t, "uninvited member", err, attendance.ErrNotFound)
			_, err = db.FileDelegation(ctx, f.organizer, in(f.x, f.a1))
			wantErr(t, "uninvited member, by the organizer", err, attendance.ErrNotInvited)
		})
		t.Run("decide", func(t *testing.T) {
			_, err := db.DecideDelegation(ctx, f.pX, d.ID, true, "")
			wantErr(t, "the substitute", err, attendance.ErrSelfApproval)
			_, err = db.DecideDelegation(ctx, f.pA1, d.ID, true, "")
			wantErr(t, "the member", err, attendance.ErrSelfApproval)
			_, err = db.DecideDelegation(ctx, f.pSecB, d.ID, true, "")
			wantErr(t, "another chair", err, attendance.ErrNotFound)
			_, err = db.DecideDelegation(ctx, f.pDepA, d.ID, true, "")
			wantErr(t, "the deputy, secretary present", err, attendance.ErrNotApprover)
			got, err := db.DecideDelegation(ctx, f.pSecA, d.ID, true, "Đồng ý cử đồng chí Xuân")
			if err != nil || got.Status != attendance.DecisionApproved || *got.DecidedByMemberID != f.secA.ID {
				t.Fatalf("got %+v, %v", got, err)
			}
			_, err = db.DecideDelegation(ctx, f.pSecA, d.ID, false, "x")
			wantErr(t, "decide twice", err, attendance.ErrAlreadyDecided)
			_, err = db.WithdrawDelegation(ctx, f.pA1, d.ID)
			wantErr(t, "withdraw approved", err, attendance.ErrAlreadyDecided)
		})
		t.Run("withdraw", func(t *testing.T) {
			sec, err := db.FileDelegation(ctx, f.pSecA, in(f.secA, f.secB))
			if got := fieldCodes(err); got["substituteId"] != attendance.CodeInvited {
				t.Fatalf("invited substitute: got %+v, %v", sec, err)
			}
			other := mustMember(t, db, f.x.OrganizationID, "C2", "Ngô Thị Yến", attendance.PositionMember)
			sec, err = db.FileDelegation(ctx, f.pSecA, in(f.secA, other))
			if err != nil {
				t.Fatal(err)
			}
			_, err = db.DecideDelegation(ctx, f.pDepA, sec.ID, true, "")
			wantErr(t, "the deputy for the secretary", err, attendance.ErrNotApprover)
			_, err = db.WithdrawDelegation(ctx, f.pDepA, sec.ID)
			wantErr(t, "someone else withdraws", err, attendance.ErrForbidden)
			got, err := db.WithdrawDelegation(ctx, f.pSecA, sec.ID)
			if err != nil || got.Status != attendance.DecisionWithdrawn {
				t.Errorf("got %+v, %v", got, err)
			}
		})
		t.Run("lists", func(t *testing.T) {
			l, err := db.Delegations(ctx, attendance.DelegationFilter{ConferenceID: f.conf.ID, Scope: attendance.Scope{All: true}})
			if err != nil || l.Total != 2 {
				t.Fatalf("got %d, %v; want 2", l.Total, err)
			}
			v, err := db.Delegation(ctx, f.pX.Scope(), d.ID)
			if err != nil || v.SubstituteName != f.x.FullName || v.FullName != f.a1.FullName || v.PointID != f.pointA.ID {
				t.Errorf("the substitute reads it: got %+v, %v", v, err)
			}
			l, _ = db.Delegations(ctx, attendance.DelegationFilter{Scope: f.pSecB.Scope()})
			if l.Total != 0 {
				t.Errorf("chair of B sees %d, want 0", l.Total)
			}
			l, _ = db.Delegations(ctx, attendance.DelegationFilter{SubstituteID: f.x.ID, Status: attendance.DecisionApproved,
				Scope: attendance.Scope{All: true}})
			if l.Total != 1 {
				t.Errorf("approved for x: got %d, want 1", l.Total)
			}
		})

		t.Run("the substitute attends", func(t *testing.T) {
			doc := attendance.Document{ConferenceID: f.conf.ID, Title: "Nghị quyết", FileName: "nq.pdf",
				ContentType: "application/pdf", Data: []byte("%PDF-1.7 nghị quyết")}
			if err := db.CreateDocument(ctx, &doc); err != nil {
				t.Fatal(err)
			}
			clk.Set(t0.Add(-5 * time.Minute))
			if _, err := db.TransitionConference(ctx, f.conf.ID, "start"); err != nil {
				t.Fatal(err)
			}
			// The approved substitute checks in at the invited member's point.
			out, err := db.CheckIn(ctx, attendance.CheckInInput{ConferenceID: f.conf.ID, PointID: f.pointA.ID, MemberID: f.x.ID,
				Method: attendance.MethodQR, Key: "substitute-key-01", DeviceID: "device-x"})
			if err != nil || out.Result != attendance.ResultCreated || out.WrongPoint {
				t.Fatalf("the substitute checks in: got %+v, %v", out, err)
			}
			status := func() attendance.InvitationOutcome {
				t.Helper()
				os, err := db.ConferenceOutcomes(ctx, f.conf.ID)
				if err != nil {
					t.Fatal(err)
				}
				for _, o := range os {
					if o.Invitation.MemberID == f.a1.ID {
						return o
					}
				}
				t.Fatal("no outcome for a1")
				return attendance.InvitationOutcome{}
			}
			o := status()
			if o.Status != attendance.StatusDelegated || !o.Has(attendance.FlagNoMaterials) || o.SubstituteCheckIn == nil ||
				o.SubstituteCheckIn.MemberID != f.x.ID || o.Delegation == nil || o.Delegation.ID != d.ID {
				t.Errorf("got %+v; want delegated, no_materials", o)
			}
			// The approved substitute reads for a1's invitation, at a1's point, though not
			// invited (docs/design.md §13); a member who substitutes for nobody does not.
			if at, err := db.ReadingPoint(ctx, f.conf.ID, f.x.ID); err != nil || at != f.pointA.ID {
				t.Errorf("ReadingPoint(substitute) = %d, %v; want point A", at, err)
			}
			if c, err := db.MaterialsConference(ctx, f.pX, f.conf.ID); err != nil || c.ID != f.conf.ID {
				t.Errorf("MaterialsConference(substitute) = %d, %v; want the conference", c.ID, err)
			}
			stranger := mustMember(t, db, f.x.OrganizationID, "C9", "Lê Thị Lạ", attendance.PositionMember)
			if _, err := db.ReadingPoint(ctx, f.conf.ID, stranger.ID); !errors.Is(err, attendance.ErrNotFound) {
				t.Errorf("ReadingPoint(nobody's substitute) = %v, want ErrNotFound", err)
			}
			pw, _, err := db.MemberSignIn(ctx, stranger.Code, "123456")
			if err != nil {
				t.Fatal(err)
			}
			if _, err := db.MaterialsConference(ctx, pw, f.conf.ID); !errors.Is(err, attendance.ErrNotFound) {
				t.Errorf("MaterialsConference(nobody's substitute) = %v, want ErrNotFound", err)
			}
			if err := db.RecordRead(ctx, doc.ID, f.x.ID, f.pointA.ID); err != nil {
				t.Fatal(err)
			}
			ms, err := db.PointMaterials(ctx, f.pointA.ID)
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range ms {
				if m.MemberID == f.a1.ID && (m.DocumentsOpened != 1 || m.LastOpenedAt == nil) {
					t.Errorf("a1's line in the point's materials: %d opened, want the substitute's 1", m.DocumentsOpened)
				}
			}
			if o := status(); o.Status != attendance.StatusDelegated || len(o.Flags) != 0 {
				t.Errorf("after reading: got %s %v; want delegated, no flags", o.Status, o.Flags)
			}
		})
		t.Run("audited", func(t *testing.T) {
			l, err := db.AuditEntries(ctx, attendance.AuditFilter{ObjectType: "delegation", ObjectID: d.ID})
			if err != nil || l.Total != 2 || l.Items[0].Action != attendance.ActionDelegationDecide ||
				l.Items[0].Before == "" || l.Items[0].After == "" {
				t.Errorf("got %+v, %v", l.Items, err)
			}
			if r, err := db.VerifyAudit(ctx); err != nil || !r.OK {
				t.Errorf("VerifyAudit() = %+v, %v", r, err)
			}
		})
	})
}

// TestDB_DeputyStandsIn follows the deputy's right to decide as the secretary comes and
// goes (docs/design.md §11 and §12.4, seed 004).
func TestDB_DeputyStandsIn(t *testing.T) {
	clk := &movableClock{t: t0.Add(-2 * time.Hour)}
	testdb.Each(t, clk.Now, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		clk.Set(t0.Add(-2 * time.Hour))
		f := mustAbsFixture(t, db)
		req := mustFile(t, db, f.pA1, f.input(f.a1, "Đi công tác"))
		check := func(what string, want error) {
			t.Helper()
			if err := db.CanDecide(ctx, f.pDepA, req); !errors.Is(err, want) {
				t.Errorf("%s: CanDecide(deputy) = %v, want %v", what, err, want)
			}
		}
		check("before the start, secretary expected", attendance.ErrNotApprover)
		clk.Set(t0.Add(-20 * time.Minute))
		if _, err := db.TransitionConference(ctx, f.conf.ID, "start"); err != nil {
			t.Fatal(err)
		}
		check("started, secretary not checked in", nil)
		in := attendance.CheckInInput{ConferenceID: f.conf.ID, PointID: f.pointA.ID, MemberID: f.secA.ID,
			Method: attendance.MethodQR, Key: "key-secA-0001", DeviceID: "device-secA"}
		ci, err := db.CheckIn(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		check("secretary checked in", attendance.ErrNotApprover)
		if _, err := db.UndoCheckIn(ctx, ci.CheckIn.ID, "Nhầm", f.organizer); err != nil {
			t.Fatal(err)
		}
		check("secretary's check-in undone", nil)
		got, err := db.DecideAbsence(ctx, f.pDepA, req.ID, true, "Đồng ý (phó bí thư chủ trì)")
		if err != nil || got.Status != attendance.DecisionApproved {
			t.Errorf("deputy decides: got %+v, %v", got, err)
		}
	})
}

// TestDB_AbsenceOfPresentMember: a member checked in at the conference is present
// (docs/design.md §10.2), so neither a request nor an explanation is filed for them
// (ErrCheckedIn), by themselves or on their behalf, and nothing is written; once the
// check-in is undone they are absent again and may explain. Issue 10, point 9.
func TestDB_AbsenceOfPresentMember(t *testing.T) {
	clk := &movableClock{t: t0.Add(-20 * time.Minute)}
	testdb.Each(t, clk.Now, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		clk.Set(t0.Add(-20 * time.Minute))
		f := mustAbsFixture(t, db)
		checkIn := func(m attendance.Member, key string) attendance.CheckIn {
			t.Helper()
			out, err := db.CheckIn(ctx, attendance.CheckInInput{ConferenceID: f.conf.ID, PointID: f.pointA.ID, MemberID: m.ID,
				Method: attendance.MethodQR, Key: key, DeviceID: "device-" + key})
			if err != nil {
				t.Fatalf("check in %s: %v", m.Code, err)
			}
			return out.CheckIn
		}
		written := func() (int64, int64) {
			t.Helper()
			l, err := db.Absences(ctx, attendance.AbsenceFilter{ConferenceID: f.conf.ID, Scope: attendance.Scope{All: true}})
			if err != nil {
				t.Fatal(err)
			}
			a, err := db.AuditEntries(ctx, attendance.AuditFilter{})
			if err != nil {
				t.Fatal(err)
			}
			return l.Total, a.Total
		}

		// Before the start a filing is a request: a member already in is refused too.
		ciSec := checkIn(f.secA, "present-secA-01")
		n0, audit0 := written()
		_, err := db.FileAbsence(ctx, f.pSecA, f.input(f.secA, "Họp Tỉnh uỷ"))
		wantErr(t, "a request of a member checked in", err, attendance.ErrCheckedIn)

		clk.Set(t0.Add(20 * time.Minute))
		if _, err := db.TransitionConference(ctx, f.conf.ID, "start"); err != nil {
			t.Fatal(err)
		}
		ciA1 := checkIn(f.a1, "present-a1-0001")
		for _, c := range []struct {
			who string
			p   attendance.Principal
		}{{"the member", f.pA1}, {"the chair", f.pSecA}, {"the organizer", f.organizer}} {
			_, err := db.FileAbsence(ctx, c.p, f.input(f.a1, "Đến muộn vì tắc đường"))
			wantErr(t, "an explanation by "+c.who+" of a member checked in", err, attendance.ErrCheckedIn)
		}
		// Leaving early is attending still: no explanation of an absence either.
		if _, err := db.CheckOut(ctx, ciA1.ID, "Về cơ quan", f.pA1); err != nil {
			t.Fatal(err)
		}
		_, err = db.FileAbsence(ctx, f.pA1, f.input(f.a1, "Về sớm"))
		wantErr(t, "an explanation of a member checked out", err, attendance.ErrCheckedIn)
		if n, audit := written(); n != n0 || audit != audit0 {
			t.Errorf("refused filings wrote: absences %d → %d, audit entries %d → %d", n0, n, audit0, audit)
		}

		// A member not checked in explains as before.
		a := mustFile(t, db, f.pA2, f.input(f.a2, "Xe hỏng giữa đường"))
		if a.Kind != attendance.KindExplanation {
			t.Errorf("got %s, want an explanation", a.Kind)
		}
		// A check-in undone as a mistake counts for nothing: the member is absent again.
		if _, err := db.UndoCheckIn(ctx, ciSec.ID, "Điểm danh nhầm người", f.organizer); err != nil {
			t.Fatal(err)
		}
		a = mustFile(t, db, f.pSecA, f.input(f.secA, "Họp Tỉnh uỷ đột xuất"))
		if a.Kind != attendance.KindExplanation || a.MemberID != f.secA.ID {
			t.Errorf("got %+v, want an explanation of the secretary", a)
		}
	})
}

// TestDB_AbsenceCategoryRequired: the category has no default; an empty one is
// required, an unknown one is not one of the list (docs/design.md §12.2).
func TestDB_AbsenceCategoryRequired(t *testing.T) {
	clk := &movableClock{t: t0.Add(-2 * time.Hour)}
	testdb.Each(t, clk.Now, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		clk.Set(t0.Add(-2 * time.Hour))
		f := mustAbsFixture(t, db)
		for _, c := range []struct {
			category attendance.AbsenceCategory
			want     string
		}{{"", attendance.CodeRequired}, {"cong tac", attendance.CodeOneOf}, {"Công tác", attendance.CodeOneOf}} {
			in := f.input(f.a1, "Đi công tác")
			in.Category = c.category
			_, err := db.FileAbsence(ctx, f.pA1, in)
			if got := fieldCodes(err); got["category"] != c.want || len(got) != 1 {
				t.Errorf("category %q: got %v, want category %s", c.category, err, c.want)
			}
		}
		l, err := db.Absences(ctx, attendance.AbsenceFilter{ConferenceID: f.conf.ID, Scope: attendance.Scope{All: true}})
		if err != nil || l.Total != 0 {
			t.Errorf("refused requests wrote %d, %v", l.Total, err)
		}
	})
}
