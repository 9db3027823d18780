package api_test

import (
	"bytes"
	"context"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"strings"
	"testing"
	"time"

	"github.com/diemcau/diemcau/attendance"
	"github.com/diemcau/diemcau/attendance/sqlstore"
	"github.com/diemcau/diemcau/internal/testdb"
)

// requestFixture is the part of the role matrix's fixture for absence requests,
// delegations, supervision and the audit log: a record of its own for every request
// that changes something. "Me" is the member the role signs in as (the secretary of A
// for a chair, the plain member of A otherwise), so that a member's own requests
// exist for each role.
type requestFixture struct {
	ConfReq, ConfOwn, ConfReopen      attendance.Conference
	FileTarget, UploadTarget          attendance.Member
	DecideTarget, ReviewTarget        attendance.Member
	Sub1, Sub2, Sub3, Sub4            attendance.Member
	AbsWithdraw, AbsAttach, AbsOther  int64
	AbsDecide, AbsReview              int64
	AttAttach, AttOther               int64
	DelWithdraw, DelDecide, DelOther  int64
	AbsenceFileConf, DelegationFileTo int64
}

func mustRequestFixture(t *testing.T, db *sqlstore.DB, w world, r role) requestFixture {
	t.Helper()
	ctx := context.Background()
	staff := attendance.Principal{Role: attendance.RoleAdmin, AccountID: w.Admin.ID}
	var f requestFixture
	me := w.MemA
	if r == chair {
		me = w.SecA
	}
	f.FileTarget = mustMember(t, db, w.A.ID, "DV-A9", "Đinh Thị Gửi", attendance.PositionMember)
	f.UploadTarget = mustMember(t, db, w.A.ID, "DV-A10", "Lưu Văn Tệp", attendance.PositionMember)
	f.DecideTarget = mustMember(t, db, w.A.ID, "DV-A11", "Quách Thị Duyệt", attendance.PositionMember)
	f.ReviewTarget = mustMember(t, db, w.A.ID, "DV-A12", "Khổng Văn Xét", attendance.PositionMember)
	for i, s := range []*attendance.Member{&f.Sub1, &f.Sub2, &f.Sub3, &f.Sub4} {
		*s = mustMember(t, db, w.C.ID, fmt.Sprintf("DV-T%d", i+1), fmt.Sprintf("Người Dự Thay %d", i+1), attendance.PositionMember)
	}
	// Two more conferences of A: one to file new requests in, one for the member's
	// second request. Their points invite every member of A.
	f.ConfReq = mustConference(t, db, "Hội nghị nhận đơn mới")
	mustPoint(t, db, f.ConfReq.ID, "Điểm cầu nhận đơn", w.A.ID)
	f.ConfOwn = mustConference(t, db, "Hội nghị chuyên đề")
	mustPoint(t, db, f.ConfOwn.ID, "Điểm cầu chuyên đề", w.A.ID)
	f.ConfReopen = mustConference(t, db, "Hội nghị đã khoá sổ")
	mustTransition(t, db, f.ConfReopen.ID, "start", "end", "close")
	f.AbsenceFileConf, f.DelegationFileTo = f.ConfReq.ID, f.Sub4.ID
	for _, m := range []attendance.Member{f.DecideTarget, f.ReviewTarget} {
		inv := attendance.Invitation{ConferenceID: w.Conf.ID, MemberID: m.ID, PointID: w.PointA.ID}
		if err := db.CreateInvitation(ctx, &inv); err != nil {
			t.Fatal(err)
		}
	}
	file := func(conf, member int64, files ...attendance.AbsenceAttachment) attendance.AbsenceRequest {
		t.Helper()
		a, err := db.FileAbsence(ctx, staff, attendance.AbsenceInput{ConferenceID: conf, MemberID: member,
			Category: attendance.CategoryCongTac, Reason: "Đi công tác theo kế hoạch", Attachments: files})
		if err != nil {
			t.Fatalf("file absence of member %d: %v", member, err)
		}
		return a
	}
	pdf := func() attendance.AbsenceAttachment {
		return attendance.AbsenceAttachment{FileName: "giay-moi.pdf", ContentType: "application/pdf", Data: pdfFile}
	}
	attachment := func(absence int64) int64 {
		t.Helper()
		v, err := db.Absence(ctx, attendance.Scope{All: true}, absence)
		if err != nil || len(v.Attachments) == 0 {
			t.Fatalf("attachments of absence %d: %v", absence, err)
		}
		return v.Attachments[0].ID
	}
	f.AbsWithdraw = file(w.Conf.ID, me.ID).ID
	f.AbsAttach = file(f.ConfOwn.ID, me.ID, pdf()).ID
	f.AttAttach = attachment(f.AbsAttach)
	f.AbsOther = file(w.Conf.ID, w.MemB.ID, pdf()).ID
	f.AttOther = attachment(f.AbsOther)
	f.AbsDecide = file(w.Conf.ID, f.DecideTarget.ID).ID
	f.AbsReview = file(w.Conf.ID, f.ReviewTarget.ID).ID
	if _, err := db.DecideAbsence(ctx, staff, f.AbsReview, true, "Đồng ý"); err != nil {
		t.Fatal(err)
	}
	delegate := func(member, substitute int64) int64 {
		t.Helper()
		d, err := db.FileDelegation(ctx, staff, attendance.DelegationInput{ConferenceID: w.Conf.ID, MemberID: member,
			SubstituteID: substitute, Reason: "Đi công tác, cử người dự thay"})
		if err != nil {
			t.Fatalf("delegation of member %d: %v", member, err)
		}
		return d.ID
	}
	f.DelWithdraw = delegate(me.ID, f.Sub1.ID)
	f.DelDecide = delegate(f.DecideTarget.ID, f.Sub2.ID)
	f.DelOther = delegate(w.MemB.ID, f.Sub3.ID)
	return f
}

// uploadFile is one file of a multipart request, under the field "files".
type uploadFile struct {
	name string
	data []byte
	// contentType is the part's declared type; empty leaves the default.
	contentType string
}

// multipartRequest builds a multipart body with fields and files.
func multipartRequest(t *testing.T, fields map[string]string, files ...uploadFile) ([]byte, string) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, v := range fields {
		if err := mw.WriteField(k, v); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range files {
		h := textproto.MIMEHeader{}
		h.Set("Content-Disposition", fmt.Sprintf(`form-data; name="files"; filename=%q`, f.name))
		ct := f.contentType
		if ct == "" {
			ct = "application/octet-stream"
		}
		h.Set("Content-Type", ct)
		w, err := mw.CreatePart(h)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(f.data)
	}
	if err := mw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes(), mw.FormDataContentType()
}

// pngFile is a 1×1 PNG.
var pngFile = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89" +
	"\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7\x35\x81\x84\x00\x00\x00\x00IEND\xaeB`\x82")

// exeFile starts like a Windows program.
var exeFile = append([]byte("MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00\xb8\x00\x00\x00\x00\x00\x00\x00@\x00"),
	bytes.Repeat([]byte{0}, 200)...)

// requestRows counts the rows of the request tables, to show a refused request wrote
// nothing.
func requestRows(t *testing.T, db *sqlstore.DB) string {
	t.Helper()
	var b strings.Builder
	for _, table := range []string{"absence_requests", "absence_attachments", "delegations", "reviews", "audit_entries"} {
		var n int64
		if err := db.Gorm().Table(table).Count(&n).Error; err != nil {
			t.Fatalf("count %s: %v", table, err)
		}
		fmt.Fprintf(&b, "%s=%d ", table, n)
	}
	return b.String()
}

// absenceWorld is the world with the tokens of everyone in it.
type absenceWorld struct {
	world
	admin, organizer, supervisor     string
	chairA, chairB, memberA, memberB string
}

func mustAbsenceWorld(t *testing.T, h http.Handler, db *sqlstore.DB) absenceWorld {
	t.Helper()
	w := absenceWorld{world: mustWorld(t, db)}
	w.admin, w.organizer, w.supervisor = staffLogin(t, h, "admin"), staffLogin(t, h, "organizer"), staffLogin(t, h, "supervisor")
	w.chairA, w.chairB = memberLogin(t, h, w.SecA.Code), memberLogin(t, h, w.SecB.Code)
	w.memberA, w.memberB = memberLogin(t, h, w.MemA.Code), memberLogin(t, h, w.MemB.Code)
	return w
}

// idOf reads the id of an answer, failing unless its status is want.
func idOf(t *testing.T, r result, want int, what string) int64 {
	t.Helper()
	mustStatus(t, r, want, what)
	var v idOnly
	r.decode(t, &v)
	if v.ID <= 0 {
		t.Fatalf("%s: got %s, want an id", what, r)
	}
	return v.ID
}

// absence is what the tests read of an absence answer.
type absence struct {
	ID                int64   `json:"id"`
	Kind              string  `json:"kind"`
	Status            string  `json:"status"`
	DecidedByMemberID *int64  `json:"decidedByMemberId"`
	DecidedByAcctID   *int64  `json:"decidedByAccountId"`
	DecidedAt         *string `json:"decidedAt"`
	DecisionNote      string  `json:"decisionNote"`
	Overturned        bool    `json:"overturned"`
	Attachments       []struct {
		ID          int64  `json:"id"`
		FileName    string `json:"fileName"`
		ContentType string `json:"contentType"`
		Size        int64  `json:"size"`
	} `json:"attachments"`
	Reviews []struct {
		Action string `json:"action"`
		Note   string `json:"note"`
	} `json:"reviews"`
}

func readAbsence(t *testing.T, h http.Handler, token string, id int64) absence {
	t.Helper()
	r := doJSON(t, h, "GET", fmt.Sprintf("/api/v1/absences/%d", id), token, nil)
	mustStatus(t, r, 200, "read absence")
	var a absence
	r.decode(t, &a)
	return a
}

// TestAbsences_Lifecycle walks every transition of an absence request over HTTP, the
// allowed ones and the refused ones, with the approver rules of docs/design.md §12.4.
func TestAbsences_Lifecycle(t *testing.T) {
	eachTarget(t, func(t *testing.T, tg testdb.Target) {
		now := t0.Add(-2 * time.Hour)
		srv, db := mustServer(t, tg, withClock(func() time.Time { return now }))
		w := mustAbsenceWorld(t, srv, db)
		conf := w.Conf.ID
		file := func(token string, body map[string]any) result {
			t.Helper()
			return doJSON(t, srv, "POST", "/api/v1/absences", token, body)
		}
		req := func(extra ...any) map[string]any {
			b := map[string]any{"conferenceId": conf, "category": "om_dau", "reason": "Ốm, có giấy khám bệnh"}
			for i := 0; i+1 < len(extra); i += 2 {
				b[extra[i].(string)] = extra[i+1]
			}
			return b
		}
		decide := func(token string, id int64, decision, note string) result {
			t.Helper()
			return doJSON(t, srv, "POST", fmt.Sprintf("/api/v1/absences/%d/decision", id), token,
				map[string]any{"decision": decision, "note": note})
		}

		// Before the conference: a request, pending.
		a := idOf(t, file(w.memberA, req()), 201, "member files")
		if got := readAbsence(t, srv, w.memberA, a); got.Kind != "request" || got.Status != "pending" {
			t.Errorf("filed before the start: got %+v, want a pending request", got)
		}
		t.Run("one open request per conference", func(t *testing.T) {
			mustProblem(t, file(w.memberA, req()), 409, "/problems/conflict")
		})
		t.Run("not invited", func(t *testing.T) {
			other := mustConference(t, db, "Hội nghị của chi bộ B")
			mustPoint(t, db, other.ID, "Điểm cầu B", w.B.ID)
			// A conference the member cannot see does not exist for them.
			mustProblem(t, file(w.memberA, req("conferenceId", other.ID)), 404, "/problems/not-found")
			mustProblem(t, file(w.admin, req("conferenceId", other.ID, "memberId", w.MemA.ID)), 403, "/problems/not-invited")
		})
		t.Run("validation", func(t *testing.T) {
			before := requestRows(t, db)
			p := mustProblem(t, file(w.memberB, map[string]any{"conferenceId": conf, "category": "du_lich", "reason": " "}),
				422, "/problems/validation")
			if !p.has("category", "one_of") || !p.has("reason", "required") {
				t.Errorf("got %v, want category one_of and reason required", p.codes())
			}
			mustProblem(t, file(w.admin, req()), 422, "/problems/validation") // staff name the member
			mustProblem(t, file(w.memberB, req("memberId", -1)), 422, "/problems/validation")
			mustProblem(t, file(w.memberB, req("reason", strings.Repeat("dài ", 600))), 422, "/problems/validation")
			if after := requestRows(t, db); after != before {
				t.Errorf("refused requests wrote rows: before %s after %s", before, after)
			}
		})
		t.Run("a member files only for themselves", func(t *testing.T) {
			mustProblem(t, file(w.memberB, req("memberId", w.MemA.ID)), 404, "/problems/not-found")
			mustProblem(t, file(w.supervisor, req("memberId", w.MemB.ID)), 403, "/problems/forbidden")
		})

		t.Run("who decides", func(t *testing.T) {
			mustProblem(t, decide(w.memberA, a, "approved", ""), 403, "/problems/forbidden")
			mustProblem(t, decide(w.supervisor, a, "approved", ""), 403, "/problems/forbidden")
			mustProblem(t, decide(w.chairB, a, "approved", ""), 404, "/problems/not-found") // chair of another point
			mustProblem(t, decide(w.chairA, a, "maybe", ""), 422, "/problems/validation")
			p := mustProblem(t, decide(w.chairA, a, "rejected", "  "), 422, "/problems/validation")
			if !p.has("note", "required") {
				t.Errorf("reject without a note: got %v, want note required", p.codes())
			}
		})
		t.Run("self-approval", func(t *testing.T) {
			own := idOf(t, file(w.chairA, req()), 201, "the chair files their own")
			mustProblem(t, decide(w.chairA, own, "approved", ""), 403, "/problems/self-approval")
			// A secretary's request is the organizer's to decide, not the deputy's.
			dep := mustMember(t, db, w.A.ID, "DV-A-PHO", "Phạm Văn Phó", attendance.PositionDeputy)
			inv := attendance.Invitation{ConferenceID: conf, MemberID: dep.ID, PointID: w.PointA.ID}
			if err := db.CreateInvitation(context.Background(), &inv); err != nil {
				t.Fatal(err)
			}
			deputy := memberLogin(t, srv, dep.Code)
			mustProblem(t, decide(deputy, own, "approved", ""), 403, "/problems/not-approver")
			got := doJSON(t, srv, "POST", fmt.Sprintf("/api/v1/absences/%d/decision", own), w.organizer,
				map[string]any{"decision": "approved"})
			mustStatus(t, got, 200, "the organizer decides the secretary's request")
		})

		// The chair of A approves; the decision keeps who, when and the note.
		r := decide(w.chairA, a, "approved", "Đồng ý, chú ý giữ sức khoẻ")
		mustStatus(t, r, 200, "chair approves")
		got := readAbsence(t, srv, w.memberA, a)
		if got.Status != "approved" || got.DecidedByMemberID == nil || *got.DecidedByMemberID != w.SecA.ID ||
			got.DecidedAt == nil || got.DecisionNote != "Đồng ý, chú ý giữ sức khoẻ" {
			t.Errorf("after approval: got %+v", got)
		}
		t.Run("decide twice", func(t *testing.T) {
			mustProblem(t, decide(w.chairA, a, "rejected", "Đổi ý"), 409, "/problems/already-decided")
			mustProblem(t, decide(w.organizer, a, "approved", ""), 409, "/problems/already-decided")
		})
		t.Run("withdraw", func(t *testing.T) {
			mustProblem(t, doJSON(t, srv, "POST", fmt.Sprintf("/api/v1/absences/%d/withdraw", a), w.memberA, nil),
				409, "/problems/already-decided")
			b := idOf(t, file(w.memberB, req()), 201, "member B files")
			mustProblem(t, doJSON(t, srv, "POST", fmt.Sprintf("/api/v1/absences/%d/withdraw", b), w.chairB, nil),
				403, "/problems/forbidden")
			mustProblem(t, doJSON(t, srv, "POST", fmt.Sprintf("/api/v1/absences/%d/withdraw", b), w.memberA, nil),
				404, "/problems/not-found")
			r := doJSON(t, srv, "POST", fmt.Sprintf("/api/v1/absences/%d/withdraw", b), w.memberB, nil)
			mustStatus(t, r, 200, "member B withdraws")
			if readAbsence(t, srv, w.memberB, b).Status != "withdrawn" {
				t.Errorf("after withdrawal: %s", r)
			}
			mustProblem(t, decide(w.chairB, b, "approved", ""), 409, "/problems/already-decided")
			mustProblem(t, doJSON(t, srv, "POST", fmt.Sprintf("/api/v1/absences/%d/withdraw", b), w.memberB, nil),
				409, "/problems/already-decided")
			// Withdrawn, a new request may be filed; rejected, likewise.
			c := idOf(t, file(w.memberB, req()), 201, "member B files again")
			mustStatus(t, decide(w.chairB, c, "rejected", "Không có giấy tờ chứng minh"), 200, "chair B rejects")
			idOf(t, file(w.memberB, req("reason", "Bổ sung giấy khám bệnh")), 201, "member B files after a rejection")
		})
		t.Run("scope of the list", func(t *testing.T) {
			for _, c := range []struct {
				token string
				want  int64
			}{{w.memberA, 1}, {w.chairB, 3}, {w.admin, 5}, {w.supervisor, 5}} {
				l := mustList[idOnly](t, srv, fmt.Sprintf("/api/v1/absences?conferenceId=%d", conf), c.token)
				if l.Total != c.want {
					t.Errorf("list: got %d, want %d", l.Total, c.want)
				}
			}
			l := mustList[idOnly](t, srv, fmt.Sprintf("/api/v1/absences?status=approved&organizationId=%d&kind=request", w.A.ID), w.supervisor)
			if l.Total != 2 {
				t.Errorf("approved requests of A: got %d, want 2", l.Total)
			}
			mustProblem(t, doJSON(t, srv, "GET", "/api/v1/absences?from=hôm-qua", w.admin, nil), 422, "/problems/validation")
			mustProblem(t, doJSON(t, srv, "GET", fmt.Sprintf("/api/v1/absences/%d", a), w.memberB, nil), 404, "/problems/not-found")
			mustProblem(t, doJSON(t, srv, "GET", fmt.Sprintf("/api/v1/absences/%d", a), w.chairB, nil), 404, "/problems/not-found")
			mustProblem(t, doJSON(t, srv, "GET", "/api/v1/absences/abc", w.admin, nil), 404, "/problems/not-found")
		})

		// After the conference started, an explanation.
		now = t0.Add(4 * time.Hour)
		mustTransition(t, db, conf, "start")
		sec := idOf(t, file(w.admin, req("memberId", w.SecB.ID)), 201, "an explanation for the secretary of B")
		if got := readAbsence(t, srv, w.admin, sec); got.Kind != "explanation" {
			t.Errorf("filed after the start: got kind %q, want explanation", got.Kind)
		}
		mustTransition(t, db, conf, "end", "close")

		t.Run("deadline", func(t *testing.T) {
			mustProblem(t, decide(w.organizer, sec, "approved", ""), 409, "/problems/deadline")
			mustProblem(t, file(w.admin, req("memberId", w.MemB.ID)), 409, "/problems/deadline")
			mustProblem(t, doJSON(t, srv, "POST", fmt.Sprintf("/api/v1/absences/%d/withdraw", sec), w.chairB, nil),
				409, "/problems/deadline")
			body, ct := multipartRequest(t, nil, uploadFile{name: "giay.pdf", data: pdfFile})
			mustProblem(t, do(t, srv, "POST", fmt.Sprintf("/api/v1/absences/%d/attachments", sec), w.admin, body, ct),
				409, "/problems/deadline")
			// Reopened (with a reason, audited), decisions are taken again.
			reopen := func(token, reason string) result {
				return doJSON(t, srv, "POST", fmt.Sprintf("/api/v1/conferences/%d/reopen", conf), token, map[string]any{"reason": reason})
			}
			mustProblem(t, reopen(w.organizer, ""), 422, "/problems/validation")
			mustProblem(t, reopen(w.supervisor, "Bổ sung"), 403, "/problems/forbidden")
			mustStatus(t, reopen(w.organizer, "Bổ sung quyết định còn thiếu"), 200, "reopen")
			mustProblem(t, reopen(w.organizer, "Lần nữa"), 409, "/problems/invalid-transition")
			mustStatus(t, decide(w.organizer, sec, "approved", "Đồng ý"), 200, "decide after reopening")
			audit := mustList[struct {
				Reason string `json:"reason"`
			}](t, srv, fmt.Sprintf("/api/v1/audit?action=conference.reopen&objectId=%d", conf), w.supervisor)
			if audit.Total != 1 || audit.Items[0].Reason != "Bổ sung quyết định còn thiếu" {
				t.Errorf("audit of the reopening: got %+v", audit)
			}
		})
	})
}

// TestAbsences_Supervision checks the supervisory committee's reviews: reviewed,
// flagged and overturned with a note, after the conference closed too.
func TestAbsences_Supervision(t *testing.T) {
	eachTarget(t, func(t *testing.T, tg testdb.Target) {
		srv, db := mustServer(t, tg, withClock(func() time.Time { return t0.Add(-time.Hour) }))
		w := mustAbsenceWorld(t, srv, db)
		review := func(token string, id int64, action, note string) result {
			t.Helper()
			return doJSON(t, srv, "POST", fmt.Sprintf("/api/v1/absences/%d/reviews", id), token,
				map[string]any{"action": action, "note": note})
		}
		a := idOf(t, doJSON(t, srv, "POST", "/api/v1/absences", w.memberA, map[string]any{"conferenceId": w.Conf.ID,
			"category": "viec_gia_dinh", "reason": "Đám cưới em gái"}), 201, "file")
		mustProblem(t, review(w.supervisor, a, "overturned", "Chưa quyết định"), 409, "/problems/invalid-transition")
		mustStatus(t, doJSON(t, srv, "POST", fmt.Sprintf("/api/v1/absences/%d/decision", a), w.chairA,
			map[string]any{"decision": "approved"}), 200, "approve")
		mustProblem(t, review(w.admin, a, "reviewed", ""), 403, "/problems/forbidden")
		mustProblem(t, review(w.chairA, a, "reviewed", ""), 403, "/problems/forbidden")
		mustProblem(t, review(w.supervisor, a, "flagged", ""), 422, "/problems/validation")
		mustProblem(t, review(w.supervisor, a, "overturned", " "), 422, "/problems/validation")
		mustProblem(t, review(w.supervisor, a, "deleted", "x"), 422, "/problems/validation")
		mustProblem(t, review(w.supervisor, 999999, "reviewed", ""), 404, "/problems/not-found")
		mustStatus(t, review(w.supervisor, a, "reviewed", ""), 201, "reviewed")
		mustStatus(t, review(w.supervisor, a, "flagged", "Theo dõi lần vắng thứ hai trong quý"), 201, "flagged")
		mustTransition(t, db, w.Conf.ID, "start", "end", "close")
		mustStatus(t, review(w.supervisor, a, "overturned", "Việc gia đình không phải lý do chính đáng"), 201, "overturned")
		got := readAbsence(t, srv, w.supervisor, a)
		if got.Status != "rejected" || !got.Overturned || len(got.Reviews) != 3 || got.Reviews[2].Note != "Việc gia đình không phải lý do chính đáng" {
			t.Errorf("after the overturn: got %+v", got)
		}
		if mine := readAbsence(t, srv, w.memberA, a); mine.Status != "rejected" || !mine.Overturned || len(mine.Reviews) != 0 {
			t.Errorf("the member sees %+v, want rejected and overturned without the committee's notes", mine)
		}
		var entries struct {
			Items []struct {
				Action string `json:"action"`
				Reason string `json:"reason"`
				Before string `json:"before"`
				After  string `json:"after"`
			} `json:"items"`
		}
		doJSON(t, srv, "GET", fmt.Sprintf("/api/v1/audit?objectType=absence&objectId=%d", a), w.admin, nil).decode(t, &entries)
		var actions []string
		for _, e := range entries.Items {
			actions = append(actions, e.Action)
		}
		if want := "absence.overturn absence.review absence.review absence.decide absence.file"; strings.Join(actions, " ") != want {
			t.Errorf("audit of the request: got %v, want %s", actions, want)
		}
		if e := entries.Items[0]; !strings.Contains(e.Before, `"approved"`) || !strings.Contains(e.After, `"rejected"`) {
			t.Errorf("overturn entry: before %s after %s", e.Before, e.After)
		}
	})
}

// TestAbsences_Attachments checks the supporting documents: types from the bytes,
// sizes, counts, and that a refused upload stores nothing.
func TestAbsences_Attachments(t *testing.T) {
	eachTarget(t, func(t *testing.T, tg testdb.Target) {
		srv, db := mustServer(t, tg, withClock(func() time.Time { return t0.Add(-time.Hour) }))
		w := mustAbsenceWorld(t, srv, db)
		fields := func(member int64) map[string]string {
			f := map[string]string{"conferenceId": fmt.Sprint(w.Conf.ID), "category": "om_dau", "reason": "Ốm, nằm viện"}
			if member != 0 {
				f["memberId"] = fmt.Sprint(member)
			}
			return f
		}
		upload := func(token string, member int64, files ...uploadFile) result {
			t.Helper()
			body, ct := multipartRequest(t, fields(member), files...)
			return do(t, srv, "POST", "/api/v1/absences", token, body, ct)
		}
		refused := func(name string, token string, member int64, status int, field, code string, files ...uploadFile) {
			t.Run(name, func(t *testing.T) {
				before := requestRows(t, db)
				p := mustProblem(t, upload(token, member, files...), status, "")
				if field != "" && !p.has(field, code) {
					t.Errorf("got %v, want %s %s", p.codes(), field, code)
				}
				if after := requestRows(t, db); after != before {
					t.Errorf("a refused upload wrote rows: before %s after %s", before, after)
				}
			})
		}
		big := append(append([]byte{}, pdfFile...), bytes.Repeat([]byte(" "), attendance.MaxAttachmentSize)...)
		refused("an exe named .pdf", w.memberA, 0, 422, "files[0]", "file_type",
			uploadFile{name: "giay-kham-benh.pdf", data: exeFile, contentType: "application/pdf"})
		refused("six files", w.memberA, 0, 422, "files", "range",
			uploadFile{name: "1.pdf", data: pdfFile}, uploadFile{name: "2.pdf", data: pdfFile}, uploadFile{name: "3.pdf", data: pdfFile},
			uploadFile{name: "4.pdf", data: pdfFile}, uploadFile{name: "5.pdf", data: pdfFile}, uploadFile{name: "6.pdf", data: pdfFile})
		refused("over 10 MiB", w.memberA, 0, 422, "files[0]", "file_size", uploadFile{name: "lon.pdf", data: big})
		refused("a good file and a bad one", w.memberA, 0, 422, "files[1]", "file_type",
			uploadFile{name: "ok.pdf", data: pdfFile}, uploadFile{name: "x.pdf", data: []byte("<html>not a pdf</html>")})
		refused("an empty file", w.memberA, 0, 422, "files[0]", "empty_file", uploadFile{name: "rong.pdf", data: nil})
		refused("bad fields with a good file", w.memberA, -1, 422, "memberId", "invalid", uploadFile{name: "ok.pdf", data: pdfFile})
		spare := mustMember(t, db, w.C.ID, "DV-C7", "Tôn Thất Ngoài", attendance.PositionMember)
		refused("a good file, not invited", w.admin, spare.ID, 403, "", "", uploadFile{name: "ok.pdf", data: pdfFile})

		t.Run("the English message fits documents", func(t *testing.T) {
			body, ct := multipartRequest(t, fields(0), uploadFile{name: "x.pdf", data: exeFile})
			r := do(t, srv, "POST", "/api/v1/absences", w.memberA, body, ct, withHeader("Accept-Language", "en"))
			p := mustProblem(t, r, 422, "/problems/validation")
			if len(p.Errors) != 1 || !strings.Contains(p.Errors[0].Message, "PDF") || strings.Contains(p.Errors[0].Message, "CSV") {
				t.Errorf("got %+v, want a message about PDF files or images", p.Errors)
			}
		})

		// A PDF and a PNG are kept with the types read from their bytes.
		r := upload(w.memberA, 0, uploadFile{name: "giấy khám bệnh.pdf", data: pdfFile, contentType: "image/png"},
			uploadFile{name: "anh.txt", data: pngFile})
		a := idOf(t, r, 201, "upload a PDF and a PNG")
		got := readAbsence(t, srv, w.memberA, a)
		if len(got.Attachments) != 2 || got.Attachments[0].ContentType != "application/pdf" || got.Attachments[1].ContentType != "image/png" ||
			got.Attachments[0].FileName != "giấy khám bệnh.pdf" || got.Attachments[0].Size != int64(len(pdfFile)) {
			t.Fatalf("attachments: got %+v", got.Attachments)
		}
		for i, want := range [][]byte{pdfFile, pngFile} {
			att := got.Attachments[i]
			path := fmt.Sprintf("/api/v1/absences/%d/attachments/%d", a, att.ID)
			for _, token := range []string{w.memberA, w.chairA, w.supervisor} {
				r := doJSON(t, srv, "GET", path, token, nil)
				mustStatus(t, r, 200, "download")
				if !bytes.Equal(r.Body, want) || r.Header.Get("Content-Type") != att.ContentType ||
					r.Header.Get("X-Content-Type-Options") != "nosniff" {
					t.Errorf("download %s: got %q %q (%d bytes)", att.FileName, r.Header.Get("Content-Type"),
						r.Header.Get("X-Content-Type-Options"), len(r.Body))
				}
			}
			mustProblem(t, doJSON(t, srv, "GET", path, w.memberB, nil), 404, "/problems/not-found")
			mustProblem(t, doJSON(t, srv, "GET", path, w.chairB, nil), 404, "/problems/not-found")
		}
		mustProblem(t, doJSON(t, srv, "GET", fmt.Sprintf("/api/v1/absences/%d/attachments/%d", a+1, got.Attachments[0].ID), w.admin, nil),
			404, "/problems/not-found")

		t.Run("more documents while pending", func(t *testing.T) {
			add := func(token string, files ...uploadFile) result {
				body, ct := multipartRequest(t, nil, files...)
				return do(t, srv, "POST", fmt.Sprintf("/api/v1/absences/%d/attachments", a), token, body, ct)
			}
			before := requestRows(t, db)
			mustProblem(t, add(w.memberA), 422, "/problems/validation")
			mustProblem(t, add(w.memberA, uploadFile{name: "1.pdf", data: pdfFile}, uploadFile{name: "2.pdf", data: pdfFile},
				uploadFile{name: "3.pdf", data: pdfFile}, uploadFile{name: "4.pdf", data: pdfFile}), 422, "/problems/validation")
			mustProblem(t, add(w.chairA, uploadFile{name: "1.pdf", data: pdfFile}), 403, "/problems/forbidden")
			mustProblem(t, doJSON(t, srv, "POST", fmt.Sprintf("/api/v1/absences/%d/attachments", a), w.memberA, `{}`),
				415, "/problems/unsupported-media-type")
			if after := requestRows(t, db); after != before {
				t.Errorf("refused additions wrote rows: before %s after %s", before, after)
			}
			r := add(w.memberA, uploadFile{name: "bo-sung.pdf", data: pdfFile})
			mustStatus(t, r, 201, "add one")
			if n := len(readAbsence(t, srv, w.memberA, a).Attachments); n != 3 {
				t.Errorf("after adding: %d attachments, want 3", n)
			}
			mustStatus(t, doJSON(t, srv, "POST", fmt.Sprintf("/api/v1/absences/%d/decision", a), w.chairA,
				map[string]any{"decision": "approved"}), 200, "approve")
			mustProblem(t, add(w.memberA, uploadFile{name: "muon.pdf", data: pdfFile}), 409, "/problems/already-decided")
		})
	})
}

// TestDelegations checks a delegation end to end: filed, refused substitutes,
// withdrawn, decided, and the substitute's check-in answering the invitation.
func TestDelegations(t *testing.T) {
	eachTarget(t, func(t *testing.T, tg testdb.Target) {
		now := t0.Add(-time.Hour)
		srv, db := mustServer(t, tg, withClock(func() time.Time { return now }))
		w := mustAbsenceWorld(t, srv, db)
		sub := mustMember(t, db, w.C.ID, "DV-C9", "Trịnh Văn Thay", attendance.PositionMember)
		other := mustMember(t, db, w.C.ID, "DV-C8", "Mạc Thị Khác", attendance.PositionMember)
		file := func(token string, body map[string]any) result {
			t.Helper()
			return doJSON(t, srv, "POST", "/api/v1/delegations", token, body)
		}
		body := func(substitute int64, extra ...any) map[string]any {
			b := map[string]any{"conferenceId": w.Conf.ID, "substituteId": substitute, "reason": "Đi công tác, cử người dự thay"}
			for i := 0; i+1 < len(extra); i += 2 {
				b[extra[i].(string)] = extra[i+1]
			}
			return b
		}
		before := requestRows(t, db)
		for _, c := range []struct {
			name  string
			token string
			body  map[string]any
			field string
			code  string
		}{
			{"invited substitute", w.memberA, body(w.MemB.ID), "substituteId", "invited"},
			{"oneself", w.memberA, body(w.MemA.ID), "substituteId", "invalid"},
			{"unknown substitute", w.memberA, body(999999), "substituteId", "unknown"},
			{"no reason", w.memberA, body(sub.ID, "reason", ""), "reason", "required"},
			{"staff name the member", w.admin, body(sub.ID), "memberId", "required"},
		} {
			p := mustProblem(t, file(c.token, c.body), 422, "/problems/validation")
			if !p.has(c.field, c.code) {
				t.Errorf("%s: got %v, want %s %s", c.name, p.codes(), c.field, c.code)
			}
		}
		if after := requestRows(t, db); after != before {
			t.Errorf("refused delegations wrote rows: before %s after %s", before, after)
		}
		d := idOf(t, file(w.memberA, body(sub.ID)), 201, "member A delegates")
		mustProblem(t, file(w.memberA, body(other.ID)), 409, "/problems/conflict")
		p := mustProblem(t, file(w.memberB, body(sub.ID)), 422, "/problems/validation")
		if !p.has("substituteId", "duplicate") {
			t.Errorf("a busy substitute: got %v", p.codes())
		}
		mustProblem(t, doJSON(t, srv, "POST", fmt.Sprintf("/api/v1/delegations/%d/withdraw", d), w.chairA, nil), 403, "/problems/forbidden")
		mustStatus(t, doJSON(t, srv, "POST", fmt.Sprintf("/api/v1/delegations/%d/withdraw", d), w.memberA, nil), 200, "withdraw")
		mustProblem(t, doJSON(t, srv, "POST", fmt.Sprintf("/api/v1/delegations/%d/withdraw", d), w.memberA, nil), 409, "/problems/already-decided")
		d = idOf(t, file(w.memberA, body(sub.ID)), 201, "member A delegates again")
		decide := func(token, decision string) result {
			return doJSON(t, srv, "POST", fmt.Sprintf("/api/v1/delegations/%d/decision", d), token, map[string]any{"decision": decision})
		}
		mustProblem(t, decide(w.chairB, "approved"), 404, "/problems/not-found")
		mustProblem(t, decide(w.memberA, "approved"), 403, "/problems/forbidden")
		mustProblem(t, decide(w.chairA, "rejected"), 422, "/problems/validation")
		mustStatus(t, decide(w.chairA, "approved"), 200, "chair agrees")
		mustProblem(t, decide(w.chairA, "approved"), 409, "/problems/already-decided")

		var got struct {
			Status         string `json:"status"`
			SubstituteCode string `json:"substituteCode"`
			SubstituteName string `json:"substituteName"`
		}
		doJSON(t, srv, "GET", fmt.Sprintf("/api/v1/delegations/%d", d), w.memberA, nil).decode(t, &got)
		if got.Status != "approved" || got.SubstituteCode != "DV-C9" || got.SubstituteName != "Trịnh Văn Thay" {
			t.Errorf("delegation: got %+v", got)
		}
		// The substitute sees the delegation naming them; another member does not.
		subToken := memberLogin(t, srv, sub.Code)
		if l := mustList[idOnly](t, srv, "/api/v1/delegations", subToken); l.Total != 2 {
			t.Errorf("the substitute's delegations: got %d, want 2 (the withdrawn one and this)", l.Total)
		}
		mustProblem(t, doJSON(t, srv, "GET", fmt.Sprintf("/api/v1/delegations/%d", d), w.memberB, nil), 404, "/problems/not-found")
		if l := mustList[idOnly](t, srv, fmt.Sprintf("/api/v1/delegations?status=approved&conferenceId=%d", w.Conf.ID), w.chairA); l.Total != 1 {
			t.Errorf("chair A's approved delegations: got %d, want 1", l.Total)
		}

		// The substitute checks in by hand; member A's outcome is delegated.
		now = t0.Add(5 * time.Minute)
		mustTransition(t, db, w.Conf.ID, "start")
		r := doJSON(t, srv, "POST", fmt.Sprintf("/api/v1/points/%d/checkins", w.PointA.ID), w.chairA,
			map[string]any{"memberId": sub.ID, "reason": "Dự thay đồng chí Đức"})
		mustStatus(t, r, 201, "the substitute checks in")
		outs, err := db.ConferenceOutcomes(context.Background(), w.Conf.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range outs {
			if o.Invitation.MemberID == w.MemA.ID && o.Status != attendance.StatusDelegated {
				t.Errorf("member A's outcome: got %s, want delegated", o.Status)
			}
		}
	})
}

// TestAudit_VerifyOverHTTP verifies the chain, breaks it behind the store's back and
// expects the broken entry to be named.
func TestAudit_VerifyOverHTTP(t *testing.T) {
	eachTarget(t, func(t *testing.T, tg testdb.Target) {
		srv, db := mustServer(t, tg, withClock(func() time.Time { return t0.Add(-time.Hour) }))
		w := mustAbsenceWorld(t, srv, db)
		for _, token := range []string{w.memberA, w.memberB} {
			idOf(t, doJSON(t, srv, "POST", "/api/v1/absences", token, map[string]any{"conferenceId": w.Conf.ID,
				"category": "cong_tac", "reason": "Đi công tác"}), 201, "file")
		}
		type report struct {
			OK       bool   `json:"ok"`
			Checked  int64  `json:"checked"`
			LastID   int64  `json:"lastId"`
			LastHash string `json:"lastHash"`
			BrokenID int64  `json:"brokenId"`
			Problem  string `json:"problem"`
		}
		verify := func(token string) report {
			t.Helper()
			var r report
			res := doJSON(t, srv, "GET", "/api/v1/audit/verify", token, nil)
			mustStatus(t, res, 200, "verify")
			res.decode(t, &r)
			return r
		}
		good := verify(w.supervisor)
		var files struct {
			Items []struct {
				ID int64 `json:"id"`
			} `json:"items"`
		}
		doJSON(t, srv, "GET", "/api/v1/audit?action=absence.file", w.supervisor, nil).decode(t, &files)
		if len(files.Items) != 2 {
			t.Fatalf("audit of the filings: got %+v, want two entries", files)
		}
		first, second := files.Items[1].ID, files.Items[0].ID
		if !good.OK || good.Checked < 2 || good.LastID != second || len(good.LastHash) != 64 || good.BrokenID != 0 {
			t.Fatalf("verify: got %+v, want every entry good up to %d", good, second)
		}
		if r := verify(w.admin); r != good {
			t.Errorf("admin's verify: got %+v, want %+v", r, good)
		}
		for _, token := range []string{w.organizer, w.chairA, w.memberA} {
			mustProblem(t, doJSON(t, srv, "GET", "/api/v1/audit/verify", token, nil), 403, "/problems/forbidden")
			mustProblem(t, doJSON(t, srv, "GET", "/api/v1/audit", token, nil), 403, "/problems/forbidden")
		}
		mustProblem(t, doJSON(t, srv, "GET", "/api/v1/audit/verify", "", nil), 401, "/problems/unauthenticated")
		if err := db.Gorm().Exec("UPDATE audit_entries SET reason = ? WHERE id = ?", "sửa lén", first).Error; err != nil {
			t.Fatal(err)
		}
		if r := verify(w.supervisor); r.OK || r.BrokenID != first || r.Problem != "changed" || r.Checked != first-1 {
			t.Errorf("after tampering with entry %d: got %+v", first, r)
		}
		if err := db.Gorm().Exec("UPDATE audit_entries SET reason = ? WHERE id = ?", "", first).Error; err != nil {
			t.Fatal(err)
		}
		if r := verify(w.supervisor); r != good {
			t.Errorf("after undoing the change: got %+v, want %+v", r, good)
		}
		if err := db.Gorm().Exec("UPDATE audit_entries SET after = REPLACE(after, 'Đi công tác', 'Ốm') WHERE id = ?", second).Error; err != nil {
			t.Fatal(err)
		}
		if r := verify(w.supervisor); r.OK || r.BrokenID != second || r.Problem != "changed" || r.LastID != second-1 {
			t.Errorf("after tampering with entry %d: got %+v", second, r)
		}
		mustProblem(t, doJSON(t, srv, "GET", "/api/v1/audit?page=x", w.admin, nil), 422, "/problems/validation")
	})
}

// TestRepeatAbsentees_OverHTTP checks the year and threshold of the repeat absentees.
func TestRepeatAbsentees_OverHTTP(t *testing.T) {
	eachTarget(t, func(t *testing.T, tg testdb.Target) {
		now := t0.Add(-time.Hour)
		srv, db := mustServer(t, tg, withClock(func() time.Time { return now }))
		w := mustAbsenceWorld(t, srv, db)
		// Three closed conferences of the year; member B misses them all, member A has
		// an approved request at one.
		confs := []int64{w.Conf.ID}
		for i := 1; i < 3; i++ {
			c := mustConference(t, db, fmt.Sprintf("Hội nghị thường kỳ quý %d", i+1))
			mustPoint(t, db, c.ID, "Điểm cầu A", w.A.ID)
			mustPoint(t, db, c.ID, "Điểm cầu B", w.B.ID)
			confs = append(confs, c.ID)
		}
		a := idOf(t, doJSON(t, srv, "POST", "/api/v1/absences", w.memberA, map[string]any{"conferenceId": confs[0],
			"category": "cong_tac", "reason": "Đi công tác"}), 201, "file")
		mustStatus(t, doJSON(t, srv, "POST", fmt.Sprintf("/api/v1/absences/%d/decision", a), w.chairA,
			map[string]any{"decision": "approved"}), 200, "approve")
		for _, c := range confs {
			mustTransition(t, db, c, "start", "end", "close")
		}
		type repeat struct {
			Year      int `json:"year"`
			Threshold int `json:"threshold"`
			Items     []struct {
				MemberID  int64 `json:"memberId"`
				Unexcused int   `json:"unexcused"`
				History   []struct {
					Status    string `json:"status"`
					AbsenceID *int64 `json:"absenceId"`
				} `json:"history"`
			} `json:"items"`
		}
		get := func(query string) repeat {
			t.Helper()
			var r repeat
			res := doJSON(t, srv, "GET", "/api/v1/supervision/repeat-absentees"+query, w.supervisor, nil)
			mustStatus(t, res, 200, "repeat absentees")
			res.decode(t, &r)
			return r
		}
		r := get("")
		if r.Year != 2026 || r.Threshold != 3 || len(r.Items) != 3 {
			t.Fatalf("default year and threshold: got %+v, want 2026, 3 and the three who missed all three", r)
		}
		r = get("?year=2026&threshold=2")
		if len(r.Items) != 4 {
			t.Errorf("threshold 2: got %d members, want 4 (member A missed two)", len(r.Items))
		}
		for _, it := range r.Items {
			if it.MemberID == w.MemA.ID && (it.Unexcused != 2 || it.History[0].Status != "excused" || it.History[0].AbsenceID == nil || *it.History[0].AbsenceID != a) {
				t.Errorf("member A: got %+v", it)
			}
		}
		if r := get("?year=2025"); len(r.Items) != 0 {
			t.Errorf("2025: got %+v, want nobody", r)
		}
		for _, q := range []string{"?year=20x6", "?year=1999", "?threshold=0", "?threshold=-3"} {
			mustProblem(t, doJSON(t, srv, "GET", "/api/v1/supervision/repeat-absentees"+q, w.supervisor, nil), 422, "/problems/validation")
		}
	})
}

// TestProblems_RequestTitles checks the problem types of requests: each is documented
// at /problems/{type} with its status and a title in Vietnamese and English.
func TestProblems_RequestTitles(t *testing.T) {
	srv, _ := mustServer(t, testdb.Targets(t)[0])
	for _, c := range []struct {
		kind   string
		status float64
		vi, en string
	}{
		{"deadline", 409, "Hội nghị đã khoá sổ: không nhận thêm đơn hay quyết định", "The conference is closed: no more requests or decisions"},
		{"self-approval", 403, "Không ai được tự duyệt đơn của chính mình", "Nobody may decide their own request"},
		{"already-decided", 409, "Đơn đã được xử lý hoặc đã rút", "The request has already been decided or withdrawn"},
		{"not-approver", 403, "Đồng chí không phải người duyệt đơn này", "You are not the approver of this request"},
	} {
		t.Run(c.kind, func(t *testing.T) {
			for lang, want := range map[string]string{"vi": c.vi, "en": c.en} {
				r := doJSON(t, srv, "GET", "/problems/"+c.kind, "", nil, withHeader("Accept-Language", lang))
				mustStatus(t, r, 200, "problem document")
				if o := r.object(t); o["title"] != want || o["status"] != c.status {
					t.Errorf("%s: got %v, want title %q status %v", lang, o, want, c.status)
				}
			}
		})
	}
}
