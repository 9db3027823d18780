package api_test

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/diemcau/diemcau/internal/testdb"
)

// The records as the API shows them.
type (
	orgJSON struct {
		ID       int64   `json:"id"`
		ParentID *int64  `json:"parentId"`
		Code     *string `json:"code"`
		Name     string  `json:"name"`
		Kind     string  `json:"kind"`
	}
	memberJSON struct {
		ID             int64  `json:"id"`
		Code           string `json:"code"`
		FullName       string `json:"fullName"`
		OrganizationID int64  `json:"organizationId"`
		Position       string `json:"position"`
		Exempt         bool   `json:"exempt"`
		Phone          string `json:"phone"`
		HasPIN         bool   `json:"hasPin"`
		Active         bool   `json:"active"`
	}
	conferenceJSON struct {
		ID                     int64      `json:"id"`
		Title                  string     `json:"title"`
		Description            string     `json:"description"`
		HostOrganizationID     *int64     `json:"hostOrganizationId"`
		StartsAt               time.Time  `json:"startsAt"`
		EndsAt                 time.Time  `json:"endsAt"`
		CheckinLeadMinutes     int        `json:"checkinLeadMinutes"`
		LateGraceMinutes       int        `json:"lateGraceMinutes"`
		EarlyLeaveGraceMinutes int        `json:"earlyLeaveGraceMinutes"`
		InvitePositions        []string   `json:"invitePositions"`
		Status                 string     `json:"status"`
		StartedAt              *time.Time `json:"startedAt"`
		EndedAt                *time.Time `json:"endedAt"`
		ClosedAt               *time.Time `json:"closedAt"`
	}
	pointJSON struct {
		ID              int64   `json:"id"`
		ConferenceID    int64   `json:"conferenceId"`
		Name            string  `json:"name"`
		Location        string  `json:"location"`
		OrganizationIDs []int64 `json:"organizationIds"`
	}
	invitationJSON struct {
		ID           int64  `json:"id"`
		ConferenceID int64  `json:"conferenceId"`
		PointID      int64  `json:"pointId"`
		PointName    string `json:"pointName"`
		MemberID     int64  `json:"memberId"`
		MemberCode   string `json:"memberCode"`
		FullName     string `json:"fullName"`
		Position     string `json:"position"`
		Source       string `json:"source"`
		Note         string `json:"note"`
	}
	accountJSON struct {
		ID          int64  `json:"id"`
		Login       string `json:"login"`
		DisplayName string `json:"displayName"`
		Role        string `json:"role"`
		Active      bool   `json:"active"`
	}
)

// mustDo sends a JSON request, checks its status and decodes the answer into a T.
func mustDo[T any](t *testing.T, h http.Handler, method, path, token string, body any, status int) T {
	t.Helper()
	r := doJSON(t, h, method, path, token, body)
	mustStatus(t, r, status, method+" "+path)
	var v T
	if len(r.Body) > 0 {
		r.decode(t, &v)
	}
	return v
}

// memberIDs returns the members of an invitation list, sorted.
func memberIDs(items []invitationJSON) []int64 {
	out := make([]int64, len(items))
	for i, it := range items {
		out[i] = it.MemberID
	}
	slices.Sort(out)
	return out
}

func TestRegistry_Organizations(t *testing.T) {
	eachTarget(t, func(t *testing.T, tg testdb.Target) {
		srv, db := mustServer(t, tg)
		mustAccount(t, db, "admin", "Quản trị", "admin")
		tok := staffLogin(t, srv, "admin")
		create := func(body map[string]any) orgJSON {
			t.Helper()
			return mustDo[orgJSON](t, srv, "POST", "/api/v1/organizations", tok, body, 201)
		}
		root := create(map[string]any{"code": "DBT", "name": "Đảng bộ Tỉnh", "kind": "dang_bo"})
		if root.ID == 0 || root.ParentID != nil || root.Code == nil || *root.Code != "DBT" {
			t.Fatalf("create root: got %+v", root)
		}
		khoi := create(map[string]any{"parentId": root.ID, "code": "DBK", "name": "Đảng bộ Khối các cơ quan", "kind": "dang_bo"})
		var cells []orgJSON
		for i, name := range []string{"Chi bộ Ban Tuyên giáo", "Chi bộ Ban Tổ chức", "Chi bộ Văn phòng", "Chi bộ Uỷ ban Kiểm tra", "Chi bộ Ban Dân vận"} {
			cells = append(cells, create(map[string]any{"parentId": khoi.ID, "code": fmt.Sprintf("CB-%d", i+1), "name": name, "kind": "chi_bo"}))
		}
		loose := create(map[string]any{"name": "Chi bộ độc lập", "kind": "chi_bo"})
		if loose.Code != nil {
			t.Errorf("created without a code: got code %q, want null", *loose.Code)
		}

		t.Run("paging", func(t *testing.T) {
			l := mustList[orgJSON](t, srv, "/api/v1/organizations?pageSize=3&page=3", tok)
			if l.Total != 8 || l.Page != 3 || l.PageSize != 3 || len(l.Items) != 2 {
				t.Fatalf("page 3 of 3: got total %d page %d size %d items %d, want 8, 3, 3, 2", l.Total, l.Page, l.PageSize, len(l.Items))
			}
			var seen []int64
			for p := 1; p <= 3; p++ {
				for _, o := range mustList[orgJSON](t, srv, fmt.Sprintf("/api/v1/organizations?pageSize=3&page=%d", p), tok).Items {
					seen = append(seen, o.ID)
				}
			}
			slices.Sort(seen)
			if len(slices.Compact(seen)) != 8 {
				t.Errorf("pages 1–3: got ids %v, want 8 distinct", seen)
			}
			if l := mustList[orgJSON](t, srv, "/api/v1/organizations?page=4&pageSize=3", tok); len(l.Items) != 0 || l.Total != 8 {
				t.Errorf("past the end: got %d items of %d, want 0 of 8", len(l.Items), l.Total)
			}
			if l := mustList[orgJSON](t, srv, "/api/v1/organizations?page=9223372036854775807", tok); len(l.Items) != 0 || l.Total != 8 {
				t.Errorf("page 2^63-1: got %d items of %d, want 0 of 8", len(l.Items), l.Total)
			}
			if l := mustList[orgJSON](t, srv, "/api/v1/organizations?pageSize=100000&page=0", tok); l.PageSize != 500 || l.Page != 1 || len(l.Items) != 8 {
				t.Errorf("clamped: got page %d size %d items %d, want 1, 500, 8", l.Page, l.PageSize, len(l.Items))
			}
		})
		t.Run("filters", func(t *testing.T) {
			count := func(query string) int64 {
				t.Helper()
				return mustList[orgJSON](t, srv, "/api/v1/organizations?"+query, tok).Total
			}
			for _, c := range []struct {
				query string
				want  int64
			}{
				{fmt.Sprintf("parentId=%d", khoi.ID), 5},
				{fmt.Sprintf("parentId=%d", root.ID), 1},
				{"roots=true", 2},
				{"kind=dang_bo", 2},
				{"kind=chi_bo", 6},
				{"q=" + url.QueryEscape("Tuyên giáo"), 1},
				{"q=" + url.QueryEscape("tuyên giáo"), 1},
				{"q=" + url.QueryEscape("ĐẢNG BỘ"), 2},
				{"q=" + url.QueryEscape("uỶ ban"), 1},
				{"q=" + url.QueryEscape("Ban"), 4},
				{"q=CB-", 5},
				{"q=" + url.QueryEscape("100%"), 0},
				{"q=_", 0},
				{fmt.Sprintf("parentId=%d&q=%s", khoi.ID, url.QueryEscape("Văn phòng")), 1},
			} {
				if got := count(c.query); got != c.want {
					t.Errorf("?%s: got %d, want %d", c.query, got, c.want)
				}
			}
		})
		t.Run("get", func(t *testing.T) {
			got := mustDo[orgJSON](t, srv, "GET", fmt.Sprintf("/api/v1/organizations/%d", cells[0].ID), tok, nil, 200)
			if got.Name != "Chi bộ Ban Tuyên giáo" || got.ParentID == nil || *got.ParentID != khoi.ID || got.Kind != "chi_bo" {
				t.Errorf("got %+v", got)
			}
		})
		t.Run("patch keeps absent fields", func(t *testing.T) {
			p := fmt.Sprintf("/api/v1/organizations/%d", cells[1].ID)
			got := mustDo[orgJSON](t, srv, "PATCH", p, tok, map[string]any{"name": "Chi bộ Ban Tổ chức Tỉnh uỷ"}, 200)
			if got.Name != "Chi bộ Ban Tổ chức Tỉnh uỷ" || got.Code == nil || *got.Code != "CB-2" || got.ParentID == nil ||
				*got.ParentID != khoi.ID || got.Kind != "chi_bo" {
				t.Errorf("got %+v, want only the name changed", got)
			}
			again := mustDo[orgJSON](t, srv, "PATCH", p, tok, map[string]any{}, 200)
			if again.Name != got.Name || again.Code == nil || *again.Code != "CB-2" || again.ParentID == nil || *again.ParentID != khoi.ID {
				t.Errorf("empty patch: got %+v, want %+v unchanged", again, got)
			}
			if read := mustDo[orgJSON](t, srv, "GET", p, tok, nil, 200); read.Name != got.Name {
				t.Errorf("read back: got %q, want %q", read.Name, got.Name)
			}
		})
		t.Run("patch null clears", func(t *testing.T) {
			p := fmt.Sprintf("/api/v1/organizations/%d", cells[2].ID)
			got := mustDo[orgJSON](t, srv, "PATCH", p, tok, map[string]any{"parentId": nil}, 200)
			if got.ParentID != nil || got.Code == nil {
				t.Errorf("parentId null: got %+v, want no parent and the code kept", got)
			}
			got = mustDo[orgJSON](t, srv, "PATCH", p, tok, map[string]any{"code": nil}, 200)
			if got.Code != nil || got.ParentID != nil {
				t.Errorf("code null: got %+v, want no code", got)
			}
			read := mustDo[orgJSON](t, srv, "GET", p, tok, nil, 200)
			if read.ParentID != nil || read.Code != nil || read.Name != cells[2].Name {
				t.Errorf("read back: got %+v", read)
			}
			got = mustDo[orgJSON](t, srv, "PATCH", p, tok, map[string]any{"parentId": khoi.ID, "code": "CB-3"}, 200)
			if got.ParentID == nil || *got.ParentID != khoi.ID || got.Code == nil || *got.Code != "CB-3" {
				t.Errorf("set again: got %+v", got)
			}
		})
		t.Run("refused changes", func(t *testing.T) {
			p := mustProblem(t, doJSON(t, srv, "POST", "/api/v1/organizations", tok,
				map[string]any{"code": "DBK", "name": "Trùng mã", "kind": "chi_bo"}), 422, "/problems/validation")
			if !p.has("code", "duplicate") {
				t.Errorf("duplicate code: got %v", p.codes())
			}
			p = mustProblem(t, doJSON(t, srv, "PATCH", fmt.Sprintf("/api/v1/organizations/%d", khoi.ID), tok,
				map[string]any{"parentId": cells[0].ID}), 422, "/problems/validation")
			if !p.has("parentId", "cycle") {
				t.Errorf("cycle: got %v", p.codes())
			}
			p = mustProblem(t, doJSON(t, srv, "PATCH", fmt.Sprintf("/api/v1/organizations/%d", khoi.ID), tok,
				map[string]any{"parentId": khoi.ID}), 422, "/problems/validation")
			if !p.has("parentId", "cycle") {
				t.Errorf("own parent: got %v", p.codes())
			}
			mustProblem(t, doJSON(t, srv, "PATCH", "/api/v1/organizations/987654", tok, map[string]any{"name": "X"}), 404, "/problems/not-found")
			mustProblem(t, doJSON(t, srv, "DELETE", fmt.Sprintf("/api/v1/organizations/%d", khoi.ID), tok, nil), 409, "/problems/conflict")
		})
		t.Run("delete", func(t *testing.T) {
			p := fmt.Sprintf("/api/v1/organizations/%d", loose.ID)
			mustStatus(t, doJSON(t, srv, "DELETE", p, tok, nil), 204, "delete")
			mustProblem(t, doJSON(t, srv, "GET", p, tok, nil), 404, "/problems/not-found")
			mustProblem(t, doJSON(t, srv, "DELETE", p, tok, nil), 404, "/problems/not-found")
		})
	})
}

func TestRegistry_Members(t *testing.T) {
	eachTarget(t, func(t *testing.T, tg testdb.Target) {
		srv, db := mustServer(t, tg)
		w := mustWorld(t, db)
		tok := staffLogin(t, srv, "admin")
		dA := mustOrg(t, db, &w.A.ID, "TO-A1", "Tổ đảng 1", "chi_bo")
		create := func(body map[string]any) memberJSON {
			t.Helper()
			return mustDo[memberJSON](t, srv, "POST", "/api/v1/members", tok, body, 201)
		}
		dep := create(map[string]any{"code": "DV-A3", "fullName": "Đoàn Thị Phó", "organizationId": w.A.ID, "position": "deputy",
			"phone": "+84 912 345 678", "pin": "2468"})
		if !dep.Active || !dep.HasPIN || dep.Position != "deputy" || dep.Phone != "+84 912 345 678" {
			t.Errorf("create: got %+v, want active, with a PIN", dep)
		}
		ex := create(map[string]any{"code": "DV-A4", "fullName": "Ông Văn Miễn", "organizationId": dA.ID, "exempt": true})
		if ex.Position != "member" || ex.HasPIN || !ex.Exempt {
			t.Errorf("create with defaults: got %+v, want position member, no PIN", ex)
		}
		gone := create(map[string]any{"code": "DV-A5", "fullName": "Hà Văn Nghỉ", "organizationId": dA.ID, "active": false})
		if gone.Active {
			t.Errorf("create inactive: got active")
		}
		r := doJSON(t, srv, "GET", fmt.Sprintf("/api/v1/members/%d", dep.ID), tok, nil)
		for _, secret := range []string{"pinHash", "pin_hash", "PINHash", `"pin"`, "h1$"} {
			if strings.Contains(string(r.Body), secret) {
				t.Errorf("member JSON shows %s: %s", secret, r.Body)
			}
		}

		t.Run("filters", func(t *testing.T) {
			for _, c := range []struct {
				query string
				want  []int64
			}{
				{fmt.Sprintf("organizationId=%d", w.A.ID), sorted(w.SecA.ID, w.MemA.ID, dep.ID)},
				{fmt.Sprintf("organizationId=%d&subtree=true", w.A.ID), sorted(w.SecA.ID, w.MemA.ID, dep.ID, ex.ID, gone.ID)},
				{fmt.Sprintf("organizationId=%d&subtree=true", w.Root.ID), sorted(w.SecA.ID, w.MemA.ID, dep.ID, ex.ID, gone.ID, w.SecB.ID, w.MemB.ID)},
				{"position=secretary", sorted(w.SecA.ID, w.SecB.ID)},
				{"position=deputy", sorted(dep.ID)},
				{"active=false", sorted(gone.ID)},
				{"exempt=true", sorted(ex.ID)},
				{fmt.Sprintf("organizationId=%d&subtree=1&active=1&exempt=0", w.A.ID), sorted(w.SecA.ID, w.MemA.ID, dep.ID)},
				{"q=" + url.QueryEscape("Thị"), sorted(w.SecA.ID, w.SecB.ID, dep.ID)},
				{"q=" + url.QueryEscape("Đức"), sorted(w.MemA.ID)},
				// Case folds beyond ASCII, on SQLite as on PostgreSQL.
				{"q=" + url.QueryEscape("đức"), sorted(w.MemA.ID)},
				{"q=" + url.QueryEscape("TRẦN VĂN ĐỨC"), sorted(w.MemA.ID)},
				{"q=" + url.QueryEscape("hải yến"), sorted(w.SecB.ID)},
				{"q=dv-a", sorted(w.SecA.ID, w.MemA.ID, dep.ID, ex.ID, gone.ID)},
				{"q=DV-B", sorted(w.SecB.ID, w.MemB.ID)},
				{"q=" + url.QueryEscape("912 345"), sorted(dep.ID)},
				{"q=" + url.QueryEscape("không có ai"), sorted()},
			} {
				l := mustList[idOnly](t, srv, "/api/v1/members?pageSize=500&"+c.query, tok)
				if got := ids(l.Items); !slices.Equal(got, c.want) || l.Total != int64(len(c.want)) {
					t.Errorf("?%s: got %v (total %d), want %v", c.query, got, l.Total, c.want)
				}
			}
		})
		t.Run("paging", func(t *testing.T) {
			l := mustList[memberJSON](t, srv, "/api/v1/members?pageSize=2&page=2", tok)
			if l.Total != 7 || len(l.Items) != 2 || l.Page != 2 || l.PageSize != 2 {
				t.Errorf("got total %d items %d page %d size %d, want 7, 2, 2, 2", l.Total, len(l.Items), l.Page, l.PageSize)
			}
		})
		t.Run("patch keeps absent fields", func(t *testing.T) {
			p := fmt.Sprintf("/api/v1/members/%d", dep.ID)
			got := mustDo[memberJSON](t, srv, "PATCH", p, tok, map[string]any{"phone": "0987 654 321"}, 200)
			want := dep
			want.Phone = "0987 654 321"
			if got != want {
				t.Errorf("got %+v, want %+v", got, want)
			}
		})
		t.Run("patch pin", func(t *testing.T) {
			p := fmt.Sprintf("/api/v1/members/%d", ex.ID)
			mustProblem(t, doJSON(t, srv, "POST", "/api/v1/auth/login", "", map[string]string{"memberCode": ex.Code, "pin": "9753"}),
				401, "/problems/bad-credentials")
			got := mustDo[memberJSON](t, srv, "PATCH", p, tok, map[string]any{"pin": "9753"}, 200)
			if !got.HasPIN {
				t.Errorf("got %+v, want hasPin", got)
			}
			mustLogin(t, srv, map[string]string{"memberCode": ex.Code, "pin": "9753"})
			got = mustDo[memberJSON](t, srv, "PATCH", p, tok, map[string]any{"fullName": "Ông Văn Miễn Hai"}, 200)
			if !got.HasPIN {
				t.Errorf("a patch without a PIN: got hasPin false, want the PIN kept")
			}
		})
		t.Run("a new secretary chairs at once", func(t *testing.T) {
			mtok := memberLogin(t, srv, w.MemB.Code)
			if l := mustList[idOnly](t, srv, "/api/v1/members", mtok); l.Total != 1 {
				t.Fatalf("as member: got %d members, want 1", l.Total)
			}
			mustDo[memberJSON](t, srv, "PATCH", fmt.Sprintf("/api/v1/members/%d", w.MemB.ID), tok, map[string]any{"position": "deputy"}, 200)
			me := doJSON(t, srv, "GET", "/api/v1/auth/me", mtok, nil).object(t)
			if me["role"] != "chair" {
				t.Errorf("me after promotion: got role %v, want chair", me["role"])
			}
			if l := mustList[idOnly](t, srv, "/api/v1/members", mtok); l.Total != 2 {
				t.Errorf("as deputy: got %d members, want chi bộ B's 2", l.Total)
			}
		})
		t.Run("refused changes", func(t *testing.T) {
			p := mustProblem(t, doJSON(t, srv, "PATCH", fmt.Sprintf("/api/v1/members/%d", dep.ID), tok,
				map[string]any{"code": w.SecA.Code}), 422, "/problems/validation")
			if !p.has("code", "duplicate") {
				t.Errorf("duplicate code: got %v", p.codes())
			}
			p = mustProblem(t, doJSON(t, srv, "PATCH", fmt.Sprintf("/api/v1/members/%d", dep.ID), tok,
				map[string]any{"organizationId": 987654}), 422, "/problems/validation")
			if !p.has("organizationId", "unknown") {
				t.Errorf("unknown organization: got %v", p.codes())
			}
			mustProblem(t, doJSON(t, srv, "PATCH", "/api/v1/members/987654", tok, map[string]any{"phone": "0912345678"}), 404, "/problems/not-found")
			// Invited members stay, so that past conferences keep their record.
			mustProblem(t, doJSON(t, srv, "DELETE", fmt.Sprintf("/api/v1/members/%d", w.MemA.ID), tok, nil), 409, "/problems/conflict")
		})
		t.Run("delete", func(t *testing.T) {
			p := fmt.Sprintf("/api/v1/members/%d", gone.ID)
			mustStatus(t, doJSON(t, srv, "DELETE", p, tok, nil), 204, "delete")
			mustProblem(t, doJSON(t, srv, "GET", p, tok, nil), 404, "/problems/not-found")
			mustProblem(t, doJSON(t, srv, "DELETE", p, tok, nil), 404, "/problems/not-found")
		})
	})
}

func TestRegistry_ConferenceLifecycle(t *testing.T) {
	eachTarget(t, func(t *testing.T, tg testdb.Target) {
		srv, db := mustServer(t, tg)
		w := mustWorld(t, db)
		tok := staffLogin(t, srv, "organizer")
		admin := staffLogin(t, srv, "admin")
		depA := mustMember(t, db, w.A.ID, "DV-A3", "Đoàn Thị Phó", "deputy")

		conf := mustDo[conferenceJSON](t, srv, "POST", "/api/v1/conferences", tok, map[string]any{
			"title": "Hội nghị Ban Chấp hành mở rộng", "description": "Chỉ mời bí thư, phó bí thư",
			"hostOrganizationId": w.Root.ID,
			"startsAt":           "2026-05-19T07:30:00+07:00", "endsAt": "2026-05-19T11:30",
			"invitePositions": []string{"deputy", "secretary", "deputy"},
		}, 201)
		if conf.Status != "scheduled" || conf.CheckinLeadMinutes != 30 || conf.LateGraceMinutes != 10 || conf.EarlyLeaveGraceMinutes != 10 {
			t.Errorf("create: got %+v, want scheduled with the default graces", conf)
		}
		if !slices.Equal(conf.InvitePositions, []string{"secretary", "deputy"}) {
			t.Errorf("invitePositions: got %v, want [secretary deputy]", conf.InvitePositions)
		}
		if want := time.Date(2026, 5, 19, 0, 30, 0, 0, time.UTC); !conf.StartsAt.Equal(want) || conf.StartsAt.Location() != time.UTC {
			t.Errorf("startsAt: got %v, want %v in UTC", conf.StartsAt, want)
		}
		if want := time.Date(2026, 5, 19, 4, 30, 0, 0, time.UTC); !conf.EndsAt.Equal(want) {
			t.Errorf("endsAt given as Vietnam local time: got %v, want %v", conf.EndsAt, want)
		}
		cp := fmt.Sprintf("/api/v1/conferences/%d", conf.ID)
		invitations := func(query string) []invitationJSON {
			t.Helper()
			return mustList[invitationJSON](t, srv, cp+"/invitations?pageSize=500&"+query, tok).Items
		}

		pa := mustDo[pointJSON](t, srv, "POST", cp+"/points", tok,
			map[string]any{"name": "Điểm cầu Ban Tuyên giáo", "location": "Phòng họp tầng 3", "organizationIds": []int64{w.A.ID, w.A.ID}}, 201)
		if !slices.Equal(pa.OrganizationIDs, []int64{w.A.ID}) || pa.ConferenceID != conf.ID {
			t.Errorf("create point: got %+v, want organizations [%d] once", pa, w.A.ID)
		}
		pb := mustDo[pointJSON](t, srv, "POST", cp+"/points", tok,
			map[string]any{"name": "Điểm cầu Sở Y tế", "organizationIds": []int64{w.B.ID}}, 201)

		t.Run("adding a point invites its chairs only", func(t *testing.T) {
			if got, want := memberIDs(invitations("")), sorted(w.SecA.ID, depA.ID, w.SecB.ID); !slices.Equal(got, want) {
				t.Errorf("got %v, want %v (secretaries and deputies)", got, want)
			}
			for _, inv := range invitations("") {
				if inv.Source != "roster" || inv.ConferenceID != conf.ID {
					t.Errorf("got %+v, want a roster invitation", inv)
				}
			}
		})
		t.Run("invitation filters", func(t *testing.T) {
			if got, want := memberIDs(invitations(fmt.Sprintf("pointId=%d", pa.ID))), sorted(w.SecA.ID, depA.ID); !slices.Equal(got, want) {
				t.Errorf("pointId: got %v, want %v", got, want)
			}
			if got, want := memberIDs(invitations("q="+url.QueryEscape("Hải Yến"))), sorted(w.SecB.ID); !slices.Equal(got, want) {
				t.Errorf("q: got %v, want %v", got, want)
			}
			if got, want := memberIDs(invitations(fmt.Sprintf("memberId=%d", depA.ID))), sorted(depA.ID); !slices.Equal(got, want) {
				t.Errorf("memberId: got %v, want %v", got, want)
			}
			l := mustList[invitationJSON](t, srv, cp+"/invitations?pageSize=1&page=2", tok)
			if l.Total != 3 || len(l.Items) != 1 || l.Page != 2 {
				t.Errorf("paging: got total %d items %d page %d", l.Total, len(l.Items), l.Page)
			}
		})

		var removed invitationJSON
		t.Run("a removed invitation is not regenerated", func(t *testing.T) {
			removed = invitations(fmt.Sprintf("memberId=%d", w.SecB.ID))[0]
			mustStatus(t, doJSON(t, srv, "DELETE", fmt.Sprintf("/api/v1/invitations/%d", removed.ID), tok, nil), 204, "remove")
			mustProblem(t, doJSON(t, srv, "GET", fmt.Sprintf("/api/v1/invitations/%d", removed.ID), tok, nil), 404, "/problems/not-found")
			gen := mustDo[struct {
				Added int64 `json:"added"`
			}](t, srv, "POST", cp+"/invitations/generate", tok, nil, 200)
			if gen.Added != 0 {
				t.Errorf("generate: got %d added, want 0", gen.Added)
			}
			if got := memberIDs(invitations("")); slices.Contains(got, w.SecB.ID) {
				t.Errorf("got %v, want %d still removed", got, w.SecB.ID)
			}
		})

		newDep := mustMember(t, db, w.B.ID, "DV-B3", "Lò Văn Phó", "deputy")
		mustMember(t, db, w.B.ID, "DV-B4", "Quàng Thị Viên", "member")
		t.Run("start invites chairs added since, not removed ones", func(t *testing.T) {
			got := mustDo[conferenceJSON](t, srv, "POST", cp+"/start", tok, nil, 200)
			if got.Status != "live" || got.StartedAt == nil || got.EndedAt != nil {
				t.Errorf("start: got %+v", got)
			}
			if got, want := memberIDs(invitations("")), sorted(w.SecA.ID, depA.ID, newDep.ID); !slices.Equal(got, want) {
				t.Errorf("after start: got %v, want %v", got, want)
			}
		})
		t.Run("edits while live", func(t *testing.T) {
			inv := invitations(fmt.Sprintf("memberId=%d", newDep.ID))[0]
			p := fmt.Sprintf("/api/v1/invitations/%d", inv.ID)
			got := mustDo[invitationJSON](t, srv, "PATCH", p, tok, map[string]any{"note": "Dự tại điểm cầu Ban Tuyên giáo"}, 200)
			if got.Note != "Dự tại điểm cầu Ban Tuyên giáo" || got.PointID != pb.ID {
				t.Errorf("note: got %+v", got)
			}
			got = mustDo[invitationJSON](t, srv, "PATCH", p, tok, map[string]any{"pointId": pa.ID}, 200)
			if got.PointID != pa.ID || got.PointName != pa.Name || got.Note != "Dự tại điểm cầu Ban Tuyên giáo" {
				t.Errorf("move: got %+v, want point %d with the note kept", got, pa.ID)
			}
			pr := mustProblem(t, doJSON(t, srv, "PATCH", p, tok, map[string]any{"pointId": w.PointA.ID}), 422, "/problems/validation")
			if !pr.has("pointId", "unknown") {
				t.Errorf("point of another conference: got %v", pr.codes())
			}
			back := mustDo[invitationJSON](t, srv, "POST", cp+"/invitations", tok,
				map[string]any{"memberId": w.SecB.ID, "pointId": pb.ID, "note": "Mời lại"}, 201)
			if back.ID != removed.ID || back.Source != "manual" || back.Note != "Mời lại" {
				t.Errorf("invite the removed member again: got %+v, want invitation %d restored as manual", back, removed.ID)
			}
			mustProblem(t, doJSON(t, srv, "DELETE", fmt.Sprintf("/api/v1/points/%d", pb.ID), tok, nil), 409, "/problems/invalid-transition")
			mustProblem(t, doJSON(t, srv, "DELETE", cp, tok, nil), 409, "/problems/invalid-transition")
			up := mustDo[pointJSON](t, srv, "PATCH", fmt.Sprintf("/api/v1/points/%d", pb.ID), tok, map[string]any{"location": "Hội trường lớn"}, 200)
			if up.Name != pb.Name || up.Location != "Hội trường lớn" || !slices.Equal(up.OrganizationIDs, pb.OrganizationIDs) {
				t.Errorf("patch point: got %+v, want only the location changed", up)
			}
		})
		t.Run("refused transitions", func(t *testing.T) {
			for _, a := range []string{"start", "close"} {
				mustProblem(t, doJSON(t, srv, "POST", cp+"/"+a, tok, nil), 409, "/problems/invalid-transition")
			}
			got := mustDo[conferenceJSON](t, srv, "POST", cp+"/end", tok, nil, 200)
			if got.Status != "ended" || got.EndedAt == nil {
				t.Errorf("end: got %+v", got)
			}
			for _, a := range []string{"start", "end"} {
				mustProblem(t, doJSON(t, srv, "POST", cp+"/"+a, tok, nil), 409, "/problems/invalid-transition")
			}
			got = mustDo[conferenceJSON](t, srv, "POST", cp+"/close", admin, nil, 200)
			if got.Status != "closed" || got.ClosedAt == nil || got.StartedAt == nil || got.EndedAt == nil {
				t.Errorf("close: got %+v", got)
			}
			for _, a := range []string{"start", "end", "close"} {
				mustProblem(t, doJSON(t, srv, "POST", cp+"/"+a, tok, nil), 409, "/problems/invalid-transition")
			}
		})
		t.Run("a closed conference is locked", func(t *testing.T) {
			before := mustCount(t, db)
			inv := invitations("")[0]
			for _, c := range []struct {
				method, path string
				body         any
			}{
				{"PATCH", cp, map[string]any{"title": "Đổi tên"}},
				{"POST", cp + "/points", map[string]any{"name": "Điểm cầu muộn", "organizationIds": []int64{w.C.ID}}},
				{"PATCH", fmt.Sprintf("/api/v1/points/%d", pa.ID), map[string]any{"name": "Đổi tên"}},
				{"POST", cp + "/invitations/generate", nil},
				{"POST", cp + "/invitations", map[string]any{"memberId": w.MemA.ID, "pointId": pa.ID}},
				{"PATCH", fmt.Sprintf("/api/v1/invitations/%d", inv.ID), map[string]any{"note": "Muộn"}},
				{"DELETE", fmt.Sprintf("/api/v1/invitations/%d", inv.ID), nil},
				{"DELETE", fmt.Sprintf("/api/v1/points/%d", pa.ID), nil},
				{"DELETE", cp, nil},
			} {
				mustProblem(t, doJSON(t, srv, c.method, c.path, tok, c.body), 409, "/problems/invalid-transition")
			}
			if after := mustCount(t, db); after != before {
				t.Errorf("rows: got %+v, want %+v", after, before)
			}
		})

		t.Run("list filters", func(t *testing.T) {
			draft := mustDo[conferenceJSON](t, srv, "POST", "/api/v1/conferences", tok, map[string]any{
				"title": "Hội nghị sơ kết 6 tháng", "startsAt": "2026-07-10T08:00:00+07:00", "endsAt": "2026-07-10T11:00:00+07:00"}, 201)
			for _, c := range []struct {
				query string
				want  []int64
			}{
				{"status=closed", sorted(conf.ID)},
				{"status=scheduled", sorted(w.Conf.ID, draft.ID)},
				{"status=live", sorted()},
				{"q=" + url.QueryEscape("sơ kết"), sorted(draft.ID)},
				{"q=" + url.QueryEscape("Ban Chấp hành"), sorted(conf.ID)},
				{"from=2026-05-01T00:00:00Z", sorted(conf.ID, draft.ID)},
				{"from=2026-05-01T00:00:00Z&to=2026-06-01T00:00", sorted(conf.ID)},
			} {
				l := mustList[idOnly](t, srv, "/api/v1/conferences?"+c.query, tok)
				if got := ids(l.Items); !slices.Equal(got, c.want) {
					t.Errorf("?%s: got %v, want %v", c.query, got, c.want)
				}
			}
			l := mustList[conferenceJSON](t, srv, "/api/v1/conferences?pageSize=1", tok)
			if l.Total != 3 || len(l.Items) != 1 || l.Items[0].ID != draft.ID {
				t.Errorf("latest first: got total %d, first %+v", l.Total, l.Items)
			}
		})
		t.Run("patch keeps absent fields", func(t *testing.T) {
			p := fmt.Sprintf("/api/v1/conferences/%d", w.Conf.ID)
			before := mustDo[conferenceJSON](t, srv, "GET", p, tok, nil, 200)
			got := mustDo[conferenceJSON](t, srv, "PATCH", p, tok, map[string]any{"description": "Tài liệu gửi trước 3 ngày",
				"lateGraceMinutes": 0}, 200)
			want := before
			want.Description, want.LateGraceMinutes = "Tài liệu gửi trước 3 ngày", 0
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("got %+v, want %+v", got, want)
			}
			got = mustDo[conferenceJSON](t, srv, "PATCH", p, tok, map[string]any{"hostOrganizationId": w.A.ID}, 200)
			if got.HostOrganizationID == nil || *got.HostOrganizationID != w.A.ID {
				t.Errorf("host: got %v", got.HostOrganizationID)
			}
			got = mustDo[conferenceJSON](t, srv, "PATCH", p, tok, map[string]any{"hostOrganizationId": nil}, 200)
			if got.HostOrganizationID != nil || got.LateGraceMinutes != 0 || got.Description != want.Description {
				t.Errorf("host null: got %+v", got)
			}
			got = mustDo[conferenceJSON](t, srv, "PATCH", p, tok, map[string]any{"invitePositions": []string{}}, 200)
			if len(got.InvitePositions) != 0 {
				t.Errorf("invitePositions []: got %v, want every position", got.InvitePositions)
			}
		})
		t.Run("delete a scheduled conference with its points", func(t *testing.T) {
			c := mustDo[conferenceJSON](t, srv, "POST", "/api/v1/conferences", tok, map[string]any{
				"title": "Hội nghị bị huỷ", "startsAt": "2026-08-01T08:00:00+07:00", "endsAt": "2026-08-01T09:00:00+07:00"}, 201)
			p := mustDo[pointJSON](t, srv, "POST", fmt.Sprintf("/api/v1/conferences/%d/points", c.ID), tok,
				map[string]any{"name": "Điểm cầu A", "organizationIds": []int64{w.A.ID}}, 201)
			inv := mustList[invitationJSON](t, srv, fmt.Sprintf("/api/v1/conferences/%d/invitations", c.ID), tok)
			if inv.Total != 3 {
				t.Fatalf("got %d invitations, want chi bộ A's 3", inv.Total)
			}
			mustStatus(t, doJSON(t, srv, "DELETE", fmt.Sprintf("/api/v1/conferences/%d", c.ID), tok, nil), 204, "delete")
			mustProblem(t, doJSON(t, srv, "GET", fmt.Sprintf("/api/v1/conferences/%d", c.ID), tok, nil), 404, "/problems/not-found")
			mustProblem(t, doJSON(t, srv, "GET", fmt.Sprintf("/api/v1/points/%d", p.ID), tok, nil), 404, "/problems/not-found")
			mustProblem(t, doJSON(t, srv, "GET", fmt.Sprintf("/api/v1/invitations/%d", inv.Items[0].ID), tok, nil), 404, "/problems/not-found")
		})
	})
}

func TestRegistry_Points(t *testing.T) {
	eachTarget(t, func(t *testing.T, tg testdb.Target) {
		srv, db := mustServer(t, tg)
		w := mustWorld(t, db)
		tok := staffLogin(t, srv, "organizer")
		mustMember(t, db, w.C.ID, "DV-C1", "Chu Văn Phòng", "secretary")
		conf := mustConference(t, db, "Hội nghị chuyên đề")
		cp := fmt.Sprintf("/api/v1/conferences/%d", conf.ID)
		invitees := func(point int64) []int64 {
			t.Helper()
			return memberIDs(mustList[invitationJSON](t, srv, fmt.Sprintf("%s/invitations?pointId=%d", cp, point), tok).Items)
		}
		p := mustDo[pointJSON](t, srv, "POST", cp+"/points", tok, map[string]any{"name": "Điểm cầu Khối", "location": "Hội trường tỉnh",
			"organizationIds": []int64{w.A.ID}}, 201)
		other := mustDo[pointJSON](t, srv, "POST", cp+"/points", tok, map[string]any{"name": "Điểm cầu dự phòng"}, 201)
		if len(other.OrganizationIDs) != 0 || other.OrganizationIDs == nil {
			t.Errorf("point without organizations: got %v, want []", other.OrganizationIDs)
		}
		pp := fmt.Sprintf("/api/v1/points/%d", p.ID)

		t.Run("get and list", func(t *testing.T) {
			got := mustDo[pointJSON](t, srv, "GET", pp, tok, nil, 200)
			if got.Name != p.Name || got.Location != p.Location || !slices.Equal(got.OrganizationIDs, []int64{w.A.ID}) {
				t.Errorf("got %+v, want %+v", got, p)
			}
			l := mustList[pointJSON](t, srv, cp+"/points?q="+url.QueryEscape("dự phòng"), tok)
			if l.Total != 1 || l.Items[0].ID != other.ID {
				t.Errorf("q: got %+v", l)
			}
			l = mustList[pointJSON](t, srv, cp+"/points?pageSize=1&page=2", tok)
			if l.Total != 2 || len(l.Items) != 1 {
				t.Errorf("paging: got %+v", l)
			}
		})
		t.Run("changing organizations re-invites", func(t *testing.T) {
			if got, want := invitees(p.ID), sorted(w.SecA.ID, w.MemA.ID); !slices.Equal(got, want) {
				t.Fatalf("before: got %v, want %v", got, want)
			}
			got := mustDo[pointJSON](t, srv, "PATCH", pp, tok, map[string]any{"organizationIds": []int64{w.B.ID, w.C.ID}}, 200)
			if !slices.Equal(got.OrganizationIDs, sorted(w.B.ID, w.C.ID)) || got.Name != p.Name || got.Location != p.Location {
				t.Errorf("patch: got %+v", got)
			}
			cMembers := mustList[idOnly](t, srv, fmt.Sprintf("/api/v1/members?organizationId=%d", w.C.ID), tok)
			want := sorted(append(ids(cMembers.Items), w.SecB.ID, w.MemB.ID)...)
			if got := invitees(p.ID); !slices.Equal(got, want) {
				t.Errorf("after: got %v, want %v (A withdrawn, B and C invited)", got, want)
			}
			got = mustDo[pointJSON](t, srv, "PATCH", pp, tok, map[string]any{"name": "Điểm cầu Khối (đổi tên)"}, 200)
			if !slices.Equal(got.OrganizationIDs, sorted(w.B.ID, w.C.ID)) {
				t.Errorf("a patch without organizationIds: got %v, want them kept", got.OrganizationIDs)
			}
			pr := mustProblem(t, doJSON(t, srv, "PATCH", pp, tok, map[string]any{"organizationIds": []int64{987654}}), 422, "/problems/validation")
			if !pr.has("organizationIds", "unknown") {
				t.Errorf("unknown organization: got %v", pr.codes())
			}
		})
		t.Run("delete", func(t *testing.T) {
			inv := mustList[invitationJSON](t, srv, fmt.Sprintf("%s/invitations?pointId=%d", cp, p.ID), tok).Items[0]
			mustStatus(t, doJSON(t, srv, "DELETE", pp, tok, nil), 204, "delete")
			mustProblem(t, doJSON(t, srv, "GET", pp, tok, nil), 404, "/problems/not-found")
			mustProblem(t, doJSON(t, srv, "GET", fmt.Sprintf("/api/v1/invitations/%d", inv.ID), tok, nil), 404, "/problems/not-found")
			if l := mustList[pointJSON](t, srv, cp+"/points", tok); l.Total != 1 {
				t.Errorf("points left: got %d, want 1", l.Total)
			}
			mustProblem(t, doJSON(t, srv, "DELETE", pp, tok, nil), 404, "/problems/not-found")
		})
	})
}

func TestRegistry_Accounts(t *testing.T) {
	eachTarget(t, func(t *testing.T, tg testdb.Target) {
		srv, db := mustServer(t, tg)
		w := mustWorld(t, db)
		tok := staffLogin(t, srv, "admin")
		create := func(body map[string]any) accountJSON {
			t.Helper()
			return mustDo[accountJSON](t, srv, "POST", "/api/v1/accounts", tok, body, 201)
		}
		a := create(map[string]any{"login": "vp.tinhuy", "displayName": "Văn phòng Tỉnh uỷ", "role": "organizer", "password": password})
		if !a.Active || a.Role != "organizer" {
			t.Errorf("create: got %+v", a)
		}
		create(map[string]any{"login": "ubkt", "displayName": "Uỷ ban Kiểm tra Tỉnh uỷ", "role": "supervisor", "password": password})
		r := doJSON(t, srv, "GET", fmt.Sprintf("/api/v1/accounts/%d", a.ID), tok, nil)
		mustStatus(t, r, 200, "get")
		if strings.Contains(string(r.Body), "assword") || strings.Contains(string(r.Body), "$2a$") {
			t.Errorf("account JSON shows the password hash: %s", r.Body)
		}

		t.Run("list", func(t *testing.T) {
			if l := mustList[accountJSON](t, srv, "/api/v1/accounts", tok); l.Total != 5 {
				t.Errorf("all: got %d, want 5", l.Total)
			}
			if l := mustList[accountJSON](t, srv, "/api/v1/accounts?role=supervisor", tok); l.Total != 2 {
				t.Errorf("role=supervisor: got %d, want 2", l.Total)
			}
			if l := mustList[accountJSON](t, srv, "/api/v1/accounts?q="+url.QueryEscape("Tỉnh uỷ"), tok); l.Total != 3 {
				t.Errorf("q: got %d, want 3", l.Total)
			}
			if l := mustList[accountJSON](t, srv, "/api/v1/accounts?pageSize=2&page=3", tok); len(l.Items) != 1 || l.Total != 5 {
				t.Errorf("paging: got %d of %d, want 1 of 5", len(l.Items), l.Total)
			}
		})
		t.Run("patch keeps absent fields", func(t *testing.T) {
			got := mustDo[accountJSON](t, srv, "PATCH", fmt.Sprintf("/api/v1/accounts/%d", a.ID), tok,
				map[string]any{"displayName": "Văn phòng Tỉnh uỷ Thái Bình"}, 200)
			want := a
			want.DisplayName = "Văn phòng Tỉnh uỷ Thái Bình"
			if got != want {
				t.Errorf("got %+v, want %+v", got, want)
			}
		})
		t.Run("a new password ends the old sessions", func(t *testing.T) {
			old := staffLogin(t, srv, a.Login)
			mustDo[accountJSON](t, srv, "PATCH", fmt.Sprintf("/api/v1/accounts/%d", a.ID), tok, map[string]any{"password": "mật khẩu mới đủ dài"}, 200)
			mustProblem(t, doJSON(t, srv, "GET", "/api/v1/auth/me", old, nil), 401, "/problems/unauthenticated")
			mustProblem(t, doJSON(t, srv, "POST", "/api/v1/auth/login", "", map[string]string{"login": a.Login, "password": password}),
				401, "/problems/bad-credentials")
			mustLogin(t, srv, map[string]string{"login": a.Login, "password": "mật khẩu mới đủ dài"})
		})
		t.Run("a deactivated account is signed out", func(t *testing.T) {
			s := staffLogin(t, srv, "supervisor")
			mustDo[accountJSON](t, srv, "PATCH", fmt.Sprintf("/api/v1/accounts/%d", w.Supervisor.ID), tok, map[string]any{"active": false}, 200)
			mustProblem(t, doJSON(t, srv, "GET", "/api/v1/auth/me", s, nil), 401, "/problems/unauthenticated")
		})
		t.Run("admins keep themselves", func(t *testing.T) {
			self := fmt.Sprintf("/api/v1/accounts/%d", w.Admin.ID)
			for _, b := range []map[string]any{{"role": "organizer"}, {"active": false}} {
				mustProblem(t, doJSON(t, srv, "PATCH", self, tok, b), 422, "/problems/validation")
			}
			mustProblem(t, doJSON(t, srv, "DELETE", self, tok, nil), 403, "/problems/forbidden")
			if got := mustDo[accountJSON](t, srv, "GET", self, tok, nil, 200); got.Role != "admin" || !got.Active {
				t.Errorf("got %+v, want still an active admin", got)
			}
		})
		t.Run("refused changes", func(t *testing.T) {
			p := mustProblem(t, doJSON(t, srv, "POST", "/api/v1/accounts", tok,
				map[string]any{"login": "organizer", "role": "organizer", "password": password}), 422, "/problems/validation")
			if !p.has("login", "duplicate") {
				t.Errorf("duplicate login: got %v", p.codes())
			}
			p = mustProblem(t, doJSON(t, srv, "PATCH", fmt.Sprintf("/api/v1/accounts/%d", a.ID), tok,
				map[string]any{"password": "ngắn"}), 422, "/problems/validation")
			if !p.has("password", "range") {
				t.Errorf("short password: got %v", p.codes())
			}
			mustProblem(t, doJSON(t, srv, "PATCH", "/api/v1/accounts/987654", tok, map[string]any{"displayName": "X"}), 404, "/problems/not-found")
		})
		t.Run("delete", func(t *testing.T) {
			s := staffLogin(t, srv, "organizer")
			p := fmt.Sprintf("/api/v1/accounts/%d", w.Organizer.ID)
			mustStatus(t, doJSON(t, srv, "DELETE", p, tok, nil), 204, "delete")
			mustProblem(t, doJSON(t, srv, "GET", p, tok, nil), 404, "/problems/not-found")
			mustProblem(t, doJSON(t, srv, "GET", "/api/v1/auth/me", s, nil), 401, "/problems/unauthenticated")
			mustProblem(t, doJSON(t, srv, "DELETE", p, tok, nil), 404, "/problems/not-found")
		})
	})
}

// TestRegistry_VietnameseText stores Vietnamese in every text field, in the forms
// people actually produce (precomposed, decomposed, old and new tone placement, Nôm
// characters outside the BMP) and reads each back byte for byte.
func TestRegistry_VietnameseText(t *testing.T) {
	texts := []string{
		"Nguyễn Thị Thuỳ Dương",                          // precomposed (NFC), new tone placement
		"Nguyễn Thị Thùy Dương",                          // old tone placement: a different string
		"Nguye\u0302\u0303n Thi\u0323 Hoa\u0300",         // decomposed (NFD), as some keyboards send it
		"Trần Văn Đức — Đảng uỷ \"Khối\" <cơ quan> & 𡨸喃", // punctuation, markup characters and Nôm outside the BMP
		"  Hoàng Thị Hải Yến  ",                          // surrounding spaces are trimmed, nothing else
	}
	eachTarget(t, func(t *testing.T, tg testdb.Target) {
		srv, db := mustServer(t, tg)
		w := mustWorld(t, db)
		tok := staffLogin(t, srv, "admin")
		for i, text := range texts {
			t.Run(fmt.Sprintf("text %d", i), func(t *testing.T) {
				want := strings.TrimSpace(text)
				org := mustDo[orgJSON](t, srv, "POST", "/api/v1/organizations", tok,
					map[string]any{"parentId": w.Root.ID, "code": fmt.Sprintf("VN-%d", i), "name": text, "kind": "chi_bo"}, 201)
				mem := mustDo[memberJSON](t, srv, "POST", "/api/v1/members", tok,
					map[string]any{"code": fmt.Sprintf("VN-%d", i), "fullName": text, "organizationId": org.ID}, 201)
				conf := mustDo[conferenceJSON](t, srv, "POST", "/api/v1/conferences", tok, map[string]any{"title": text, "description": text,
					"startsAt": "2026-06-01T08:00:00+07:00", "endsAt": "2026-06-01T10:00:00+07:00"}, 201)
				pt := mustDo[pointJSON](t, srv, "POST", fmt.Sprintf("/api/v1/conferences/%d/points", conf.ID), tok,
					map[string]any{"name": text, "location": text, "organizationIds": []int64{org.ID}}, 201)
				inv := mustList[invitationJSON](t, srv, fmt.Sprintf("/api/v1/conferences/%d/invitations", conf.ID), tok).Items[0]
				mustDo[invitationJSON](t, srv, "PATCH", fmt.Sprintf("/api/v1/invitations/%d", inv.ID), tok, map[string]any{"note": text}, 200)
				acc := mustDo[accountJSON](t, srv, "POST", "/api/v1/accounts", tok,
					map[string]any{"login": fmt.Sprintf("vn-%d", i), "displayName": text, "role": "supervisor", "password": password}, 201)

				gotOrg := mustDo[orgJSON](t, srv, "GET", fmt.Sprintf("/api/v1/organizations/%d", org.ID), tok, nil, 200)
				gotMem := mustDo[memberJSON](t, srv, "GET", fmt.Sprintf("/api/v1/members/%d", mem.ID), tok, nil, 200)
				gotConf := mustDo[conferenceJSON](t, srv, "GET", fmt.Sprintf("/api/v1/conferences/%d", conf.ID), tok, nil, 200)
				gotPt := mustDo[pointJSON](t, srv, "GET", fmt.Sprintf("/api/v1/points/%d", pt.ID), tok, nil, 200)
				gotInv := mustDo[invitationJSON](t, srv, "GET", fmt.Sprintf("/api/v1/invitations/%d", inv.ID), tok, nil, 200)
				gotAcc := mustDo[accountJSON](t, srv, "GET", fmt.Sprintf("/api/v1/accounts/%d", acc.ID), tok, nil, 200)
				for field, got := range map[string]string{
					"organization name": gotOrg.Name, "member name": gotMem.FullName, "conference title": gotConf.Title,
					"conference description": gotConf.Description, "point name": gotPt.Name, "point location": gotPt.Location,
					"invitation note": gotInv.Note, "invitation member name": gotInv.FullName, "invitation point name": gotInv.PointName,
					"account display name": gotAcc.DisplayName,
				} {
					if got != want {
						t.Errorf("%s: got %q (% x), want %q (% x)", field, got, got, want, want)
					}
				}
				// The exact text finds the member.
				l := mustList[memberJSON](t, srv, fmt.Sprintf("/api/v1/members?organizationId=%d&q=%s", org.ID, url.QueryEscape(want)), tok)
				if l.Total != 1 || l.Items[0].ID != mem.ID {
					t.Errorf("search by the exact name: got %d members, want %d", l.Total, mem.ID)
				}
			})
		}
	})
}
