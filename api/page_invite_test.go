package api_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/diemcau/diemcau/attendance"
)

// TestInvitationsPage_InviteOne: an organizer finds one person by name on the
// invitations page and invites them to a point, the point of their organization
// offered first; a problem shows the page again with the search and nothing written.
func TestInvitationsPage_InviteOne(t *testing.T) {
	admEach(t, func(t *testing.T, s *admServer) {
		ctx := context.Background()
		w := admSeed(t, s.db)
		other := attendance.Point{ConferenceID: w.conf.ID, Name: "Điểm cầu Ban Tuyên giáo", OrganizationIDs: []int64{w.cell2.ID}}
		if err := s.db.CreatePoint(ctx, &other); err != nil {
			t.Fatal(err)
		}
		// Both points invited their chi bộ when they were made; she joined later.
		admMember(t, s.db, w.cell2.ID, "DV0004", "Phạm Thị Hải Yến", attendance.PositionMember)
		org := s.signIn(t, "bantochuc", attendance.RoleOrganizer)
		page := fmt.Sprintf("/vi/admin/conferences/%d/invitations", w.conf.ID)
		invited := func(code ...string) []attendance.InvitationView {
			t.Helper()
			q := "DV0004"
			if len(code) > 0 {
				q = code[0]
			}
			l, err := s.db.Invitations(ctx, attendance.InvitationFilter{ConferenceID: w.conf.ID, Query: q,
				Scope: attendance.Scope{All: true}})
			if err != nil {
				t.Fatal(err)
			}
			return l.Items
		}

		// Found without diacritics; her chi bộ's point is chosen for her.
		res := org.get(page + "?find=hai+yen")
		admWant(t, res, http.StatusOK, "Mời thêm một người", "DV0004", "Phạm Thị Hải Yến", "Chi bộ Ban Tuyên giáo")
		found := candidates(t, res.Body.String())
		if !strings.Contains(found, fmt.Sprintf(`<option value="%d" selected>Điểm cầu Ban Tuyên giáo</option>`, other.ID)) {
			t.Errorf("her organization's point is not offered first:\n%s", found)
		}
		// Hoàng Thị Hải Yến matches too, but is invited already.
		if text := admText(found); strings.Contains(text, "Hoàng Thị Hải Yến") || strings.Contains(text, "Trần Văn Đức") {
			t.Errorf("the search offers members it should not: %s", text)
		}

		// A point is required: the page comes back with the search and the problem.
		yen := admMemberID(t, s, "DV0004")
		res = org.post(page, url.Values{"memberId": {yen}, "pointId": {""}, "note": {"Mời bổ sung"}, "find": {"hai yen"}})
		admWant(t, res, http.StatusUnprocessableEntity, "Điểm cầu: Bắt buộc nhập", "Phạm Thị Hải Yến")
		if found := candidates(t, res.Body.String()); !strings.Contains(found, `value="Mời bổ sung"`) {
			t.Errorf("the note typed is not kept:\n%s", found)
		}
		if n := len(invited()); n != 0 {
			t.Fatalf("a refused invitation wrote %d rows", n)
		}

		res = org.follow(org.post(page, url.Values{"memberId": {yen}, "pointId": {fmt.Sprint(other.ID)},
			"note": {"Mời bổ sung"}, "find": {"hai yen"}}))
		admWant(t, res, http.StatusOK, "Đã mời.", "Phạm Thị Hải Yến", "Điểm cầu Ban Tuyên giáo", "Thêm thủ công", "Mời bổ sung")
		if got := invited(); len(got) != 1 || got[0].MemberCode != "DV0004" || got[0].PointID != other.ID ||
			got[0].Source != attendance.SourceManual || got[0].Note != "Mời bổ sung" {
			t.Fatalf("invitations: %+v", got)
		}

		// Once invited, she is no longer offered; inviting her again is refused.
		admWant(t, org.get(page+"?find=hai+yen"), http.StatusOK, "Không có đảng viên nào chưa được mời khớp với từ tìm.")
		res = org.post(page, url.Values{"memberId": {yen}, "pointId": {fmt.Sprint(w.point.ID)}})
		admWant(t, res, http.StatusUnprocessableEntity, "Đảng viên: Giá trị này đã có")
		if got := invited(); len(got) != 1 || got[0].PointID != other.ID {
			t.Errorf("a refused second invitation changed the first: %+v", got)
		}

		// In English too; a supervisor reads the list but is not offered the form.
		admMember(t, s.db, w.cell1.ID, "DV0005", "Lê Văn Đức", attendance.PositionMember)
		admWant(t, org.get(strings.Replace(page, "/vi/", "/en/", 1)+"?find=duc"), http.StatusOK,
			"Invite one more person", "Lê Văn Đức", "Invite")
		sup := s.signIn(t, "kiemtra", attendance.RoleSupervisor)
		res = sup.get(page + "?find=duc")
		admWant(t, res, http.StatusOK, "Phạm Thị Hải Yến")
		if strings.Contains(res.Body.String(), `id="invite-one"`) {
			t.Errorf("a supervisor is offered the invitation form")
		}
		if res := sup.post(page, url.Values{"memberId": {admMemberID(t, s, "DV0005")}, "pointId": {fmt.Sprint(w.point.ID)}}); res.Code != http.StatusForbidden {
			t.Errorf("a supervisor's invitation: got %d, want 403", res.Code)
		}
		if n := len(invited("DV0005")); n != 0 {
			t.Errorf("the supervisor's try invited %d, want none", n)
		}
	})
}

// candidates is the table of members the invitation search found.
func candidates(t *testing.T, page string) string {
	t.Helper()
	i := strings.Index(page, `id="candidates"`)
	if i < 0 {
		t.Fatalf("no members found on the page:\n%s", admText(page))
	}
	return page[i : i+strings.Index(page[i:], "</table>")]
}

// admMemberID is the id of the member with code, as a form sends it.
func admMemberID(t *testing.T, s *admServer, code string) string {
	t.Helper()
	l, err := s.db.Members(context.Background(), attendance.MemberFilter{Code: code, Scope: attendance.Scope{All: true}})
	if err != nil || l.Total != 1 {
		t.Fatalf("member %s: %+v %v", code, l.Items, err)
	}
	return fmt.Sprint(l.Items[0].ID)
}
