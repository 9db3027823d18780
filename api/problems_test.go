package api_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io/fs"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/diemcau/diemcau/api"
	"github.com/diemcau/diemcau/internal/testdb"
	"github.com/diemcau/diemcau/web"
)

// messages reads one language's message file from web/i18n.
func messages(t *testing.T, lang string) map[string]string {
	t.Helper()
	b, err := fs.ReadFile(web.I18n(), lang+".json")
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]string
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("%s.json: %v", lang, err)
	}
	return m
}

// TestProblems_Titles provokes every kind of problem and checks its type, status and
// title: Vietnamese by default, English when Accept-Language prefers it.
func TestProblems_Titles(t *testing.T) {
	vi, en := messages(t, "vi"), messages(t, "en")
	// The message files are what the titles come from; pin two so that a swapped or
	// emptied file cannot pass.
	if vi["problem.not-found"] != "Không tìm thấy" || en["problem.not-found"] != "Not found" {
		t.Fatalf("problem.not-found: got vi %q en %q, want %q and %q", vi["problem.not-found"], en["problem.not-found"],
			"Không tìm thấy", "Not found")
	}
	eachTarget(t, func(t *testing.T, tg testdb.Target) {
		srv, db := mustServer(t, tg, withConfig(api.Config{LoginRatePerLogin: "1-M"}))
		w := mustWorld(t, db)
		admin := mustLogin(t, srv, map[string]string{"login": "admin", "password": password})
		memberToken := memberLogin(t, srv, w.MemA.Code)
		mustTransition(t, db, w.Conf.ID, "start")

		cases := []struct {
			kind   string
			status int
			send   func(opts ...reqOption) result
		}{
			{"validation", 422, func(o ...reqOption) result {
				return doJSON(t, srv, "POST", "/api/v1/organizations", admin.Token, `{}`, o...)
			}},
			{"not-found", 404, func(o ...reqOption) result {
				return doJSON(t, srv, "GET", "/api/v1/members/999999", admin.Token, nil, o...)
			}},
			{"conflict", 409, func(o ...reqOption) result {
				return doJSON(t, srv, "DELETE", fmt.Sprintf("/api/v1/organizations/%d", w.A.ID), admin.Token, nil, o...)
			}},
			{"invalid-transition", 409, func(o ...reqOption) result {
				return doJSON(t, srv, "POST", fmt.Sprintf("/api/v1/conferences/%d/close", w.Conf.ID), admin.Token, nil, o...)
			}},
			{"unauthenticated", 401, func(o ...reqOption) result {
				return doJSON(t, srv, "GET", "/api/v1/members", "", nil, o...)
			}},
			{"unauthenticated", 401, func(o ...reqOption) result {
				return doJSON(t, srv, "GET", "/api/v1/members", "forged-token", nil, o...)
			}},
			{"forbidden", 403, func(o ...reqOption) result {
				return doJSON(t, srv, "GET", "/api/v1/accounts", memberToken, nil, o...)
			}},
			{"bad-credentials", 401, func(o ...reqOption) result {
				return doJSON(t, srv, "POST", "/api/v1/auth/login", "",
					map[string]string{"login": "supervisor", "password": "not-the-password"}, append(o, fromAddress("192.0.2.10:1"))...)
			}},
			{"rate-limited", 429, func(o ...reqOption) result {
				// The limit per login is one a minute here; the first case above used it.
				return doJSON(t, srv, "POST", "/api/v1/auth/login", "",
					map[string]string{"login": "supervisor", "password": password}, append(o, fromAddress("192.0.2.11:1"))...)
			}},
			{"malformed", 400, func(o ...reqOption) result {
				return doJSON(t, srv, "POST", "/api/v1/organizations", admin.Token, `{"name":`, o...)
			}},
			{"too-large", 413, func(o ...reqOption) result {
				return doJSON(t, srv, "POST", "/api/v1/organizations", admin.Token,
					`{"name":"`+strings.Repeat("a", 1<<20)+`"}`, o...)
			}},
			{"unsupported-media-type", 415, func(o ...reqOption) result {
				return do(t, srv, "POST", "/api/v1/organizations", admin.Token, []byte(`{"name":"x","kind":"chi_bo"}`), "text/plain", o...)
			}},
			{"method-not-allowed", 405, func(o ...reqOption) result {
				return doJSON(t, srv, "PUT", "/api/v1/members", admin.Token, `{}`, o...)
			}},
			{"csrf", 403, func(o ...reqOption) result {
				return doJSON(t, srv, "POST", "/api/v1/organizations", "", `{}`, append(o, withCookie(admin.Cookie))...)
			}},
			{"not-found", 404, func(o ...reqOption) result {
				return doJSON(t, srv, "GET", "/api/v1/no-such-thing", admin.Token, nil, o...)
			}},
		}
		langs := []struct {
			header string
			want   map[string]string
		}{
			{"", vi},
			{"vi", vi},
			{"vi-VN,vi;q=0.9", vi},
			{"en", en},
			{"en-US,en;q=0.9", en},
			{"fr-FR, en;q=0.5", en},
			{"fr", vi},
			{";;;garbage===", vi},
		}
		// Both sign-in cases spend attempts, so run each case once per language with
		// the limit in mind: bad credentials stay bad and the rate limit stays reached.
		for _, c := range cases {
			for _, l := range langs {
				t.Run(c.kind+"/"+l.header, func(t *testing.T) {
					var opts []reqOption
					if l.header != "" {
						opts = append(opts, withHeader("Accept-Language", l.header))
					}
					r := c.send(opts...)
					status := c.status
					if c.kind == "bad-credentials" && l.header != "" {
						status = 429 // one attempt a minute for this login: only the first one is checked
					}
					kind := c.kind
					if status == 429 {
						kind = "rate-limited"
					}
					p := mustProblem(t, r, status, "/problems/"+kind)
					if want := l.want["problem."+kind]; p.Title != want {
						t.Errorf("title: got %q, want %q", p.Title, want)
					}
					if status == 429 && r.Header.Get("Retry-After") == "" {
						t.Errorf("429 without Retry-After")
					}
					if status == 405 && r.Header.Get("Allow") == "" {
						t.Errorf("405 without Allow")
					}
				})
			}
		}

		t.Run("field messages follow the language", func(t *testing.T) {
			for _, l := range []struct {
				header string
				want   map[string]string
			}{{"", vi}, {"en", en}} {
				r := doJSON(t, srv, "POST", "/api/v1/members", admin.Token, `{"code":"DV-X"}`, withHeader("Accept-Language", l.header))
				p := mustProblem(t, r, 422, "/problems/validation")
				for _, e := range p.Errors {
					if e.Field == "fullName" && e.Message != l.want["field.required"] {
						t.Errorf("Accept-Language %q: fullName message got %q, want %q", l.header, e.Message, l.want["field.required"])
					}
				}
				if !p.has("fullName", "required") {
					t.Errorf("got %+v, want fullName required", p.Errors)
				}
			}
		})

		t.Run("problem documents", func(t *testing.T) {
			r := doJSON(t, srv, "GET", "/problems/csrf", "", nil, withHeader("Accept-Language", "en"))
			mustStatus(t, r, 200, "GET /problems/csrf")
			if got := r.object(t)["title"]; got != en["problem.csrf"] {
				t.Errorf("title: got %v, want %q", got, en["problem.csrf"])
			}
			mustProblem(t, doJSON(t, srv, "GET", "/problems/no-such-problem", "", nil), 404, "/problems/not-found")
		})
	})
}

// TestProblems_Validation checks that each kind of bad field is a 422 naming the field.
func TestProblems_Validation(t *testing.T) {
	eachTarget(t, func(t *testing.T, tg testdb.Target) {
		srv, db := mustServer(t, tg)
		w := mustWorld(t, db)
		token := staffLogin(t, srv, "admin")
		long := strings.Repeat("ệ", 10_000)
		conf := func(extra string) string {
			return `{"title":"Hội nghị","startsAt":"2026-04-01T08:00:00+07:00","endsAt":"2026-04-01T11:00:00+07:00"` + extra + `}`
		}
		points := fmt.Sprintf("/api/v1/conferences/%d/points", w.Conf.ID)
		invitations := fmt.Sprintf("/api/v1/conferences/%d/invitations", w.Conf.ID)
		type want struct{ field, code string }
		cases := []struct {
			name   string
			method string
			path   string
			body   string
			want   []want
		}{
			{"organization empty body", "POST", "/api/v1/organizations", `{}`, []want{{"name", "required"}, {"kind", "one_of"}}},
			{"member empty body", "POST", "/api/v1/members", `{}`,
				[]want{{"code", "required"}, {"fullName", "required"}, {"organizationId", "required"}}},
			{"conference empty body", "POST", "/api/v1/conferences", `{}`,
				[]want{{"title", "required"}, {"startsAt", "required"}, {"endsAt", "required"}}},
			{"account empty body", "POST", "/api/v1/accounts", `{}`,
				[]want{{"login", "required"}, {"role", "one_of"}, {"password", "range"}}},
			{"point empty body", "POST", points, `{}`, []want{{"name", "required"}}},
			{"invitation empty body", "POST", invitations, `{}`, []want{{"memberId", "required"}, {"pointId", "required"}}},
			{"login empty body", "POST", "/api/v1/auth/login", `{}`, []want{{"login", "required"}, {"password", "required"}}},
			{"null body", "POST", "/api/v1/organizations", `null`, []want{{"name", "required"}}},

			{"member without name", "POST", "/api/v1/members", fmt.Sprintf(`{"code":"DV-X","organizationId":%d}`, w.A.ID),
				[]want{{"fullName", "required"}}},
			{"member blank name", "POST", "/api/v1/members", fmt.Sprintf(`{"code":"DV-X","fullName":"   ","organizationId":%d}`, w.A.ID),
				[]want{{"fullName", "required"}}},
			{"member unknown organization", "POST", "/api/v1/members", `{"code":"DV-X","fullName":"Tên","organizationId":987654}`,
				[]want{{"organizationId", "unknown"}}},
			{"member duplicate code", "POST", "/api/v1/members", fmt.Sprintf(`{"code":%q,"fullName":"Tên","organizationId":%d}`, w.MemA.Code, w.A.ID),
				[]want{{"code", "duplicate"}}},
			{"member bad pin", "POST", "/api/v1/members", fmt.Sprintf(`{"code":"DV-X","fullName":"Tên","organizationId":%d,"pin":"12"}`, w.A.ID),
				[]want{{"pin", "invalid"}}},
			{"member bad phone", "POST", "/api/v1/members", fmt.Sprintf(`{"code":"DV-X","fullName":"Tên","organizationId":%d,"phone":"gọi tôi"}`, w.A.ID),
				[]want{{"phone", "invalid"}}},
			{"conference without end", "POST", "/api/v1/conferences", `{"title":"Hội nghị","startsAt":"2026-04-01T08:00:00Z"}`,
				[]want{{"endsAt", "required"}}},

			{"organization name too long", "POST", "/api/v1/organizations", `{"name":"` + long + `","kind":"chi_bo"}`, []want{{"name", "too_long"}}},
			{"member name too long", "POST", "/api/v1/members", fmt.Sprintf(`{"code":"DV-X","fullName":%q,"organizationId":%d}`, long, w.A.ID),
				[]want{{"fullName", "too_long"}}},
			{"conference title too long", "POST", "/api/v1/conferences", `{"title":"` + long + `","startsAt":"2026-04-01T08:00:00Z","endsAt":"2026-04-01T09:00:00Z"}`,
				[]want{{"title", "too_long"}}},
			{"point name too long", "POST", points, `{"name":"` + long + `"}`, []want{{"name", "too_long"}}},
			{"invitation note too long", "POST", invitations, fmt.Sprintf(`{"memberId":%d,"pointId":%d,"note":%q}`, w.MemA.ID, w.PointA.ID, long),
				[]want{{"note", "too_long"}}},
			{"account password too long", "POST", "/api/v1/accounts",
				`{"login":"staff-x","role":"organizer","password":"` + strings.Repeat("p", 300) + `"}`, []want{{"password", "too_long"}}},
			{"account password longer than bcrypt takes", "POST", "/api/v1/accounts",
				`{"login":"staff-x","role":"organizer","password":"` + strings.Repeat("p", 73) + `"}`, []want{{"password", "too_long"}}},
			{"account Vietnamese password longer than bcrypt takes", "POST", "/api/v1/accounts",
				`{"login":"staff-x","role":"organizer","password":"` + strings.Repeat("mật khẩu ", 9) + `"}`, []want{{"password", "too_long"}}},
			{"login too long", "POST", "/api/v1/auth/login", `{"login":"` + strings.Repeat("a", 100) + `","password":"x"}`, []want{{"login", "too_long"}}},

			{"name is a number", "POST", "/api/v1/organizations", `{"name":5,"kind":"chi_bo"}`, []want{{"name", "type"}}},
			{"organizationId is a string", "POST", "/api/v1/members", `{"code":"DV-X","fullName":"Tên","organizationId":"abc"}`,
				[]want{{"organizationId", "type"}}},
			{"parentId is a string", "POST", "/api/v1/organizations", `{"name":"Chi bộ","kind":"chi_bo","parentId":"1"}`,
				[]want{{"parentId", "type"}}},
			{"exempt is a string", "POST", "/api/v1/members", `{"code":"DV-X","fullName":"Tên","organizationId":1,"exempt":"có"}`,
				[]want{{"exempt", "type"}}},
			{"invitePositions is a string", "POST", "/api/v1/conferences", conf(`,"invitePositions":"secretary"`),
				[]want{{"invitePositions", "type"}}},
			{"organizationIds holds strings", "POST", points, `{"name":"Điểm cầu","organizationIds":["1"]}`,
				[]want{{"organizationIds", "type"}}},

			{"unknown field", "POST", "/api/v1/organizations", `{"name":"Chi bộ","kind":"chi_bo","colour":"đỏ"}`,
				[]want{{"colour", "unknown_field"}}},
			{"unknown field in login", "POST", "/api/v1/auth/login", `{"login":"admin","password":"x","remember":true}`,
				[]want{{"remember", "unknown_field"}}},

			{"invalid kind", "POST", "/api/v1/organizations", `{"name":"Chi bộ","kind":"x"}`, []want{{"kind", "one_of"}}},
			{"invalid position", "POST", "/api/v1/members", fmt.Sprintf(`{"code":"DV-X","fullName":"Tên","organizationId":%d,"position":"chairman"}`, w.A.ID),
				[]want{{"position", "one_of"}}},
			{"invalid role", "POST", "/api/v1/accounts", `{"login":"staff-x","role":"chair","password":"` + password + `"}`,
				[]want{{"role", "one_of"}}},
			{"invalid invite position", "POST", "/api/v1/conferences", conf(`,"invitePositions":["secretary","x"]`),
				[]want{{"invitePositions", "one_of"}}},
			{"invalid login", "POST", "/api/v1/accounts", `{"login":"tên đăng nhập","role":"admin","password":"` + password + `"}`,
				[]want{{"login", "invalid"}}},

			{"bad start date", "POST", "/api/v1/conferences", `{"title":"Hội nghị","startsAt":"2026-02-30T08:00:00Z","endsAt":"2026-03-01T08:00:00Z"}`,
				[]want{{"startsAt", "invalid"}}},
			{"start date in words", "POST", "/api/v1/conferences", `{"title":"Hội nghị","startsAt":"sáng mai","endsAt":"2026-03-01T08:00:00Z"}`,
				[]want{{"startsAt", "invalid"}}},
			{"empty end date", "POST", "/api/v1/conferences", `{"title":"Hội nghị","startsAt":"2026-03-01T08:00:00Z","endsAt":""}`,
				[]want{{"endsAt", "invalid"}}},
			{"end before start", "POST", "/api/v1/conferences", `{"title":"Hội nghị","startsAt":"2026-04-01T11:00:00+07:00","endsAt":"2026-04-01T08:00:00+07:00"}`,
				[]want{{"endsAt", "order"}}},
			{"end equals start", "POST", "/api/v1/conferences", `{"title":"Hội nghị","startsAt":"2026-04-01T08:00:00+07:00","endsAt":"2026-04-01T01:00:00Z"}`,
				[]want{{"endsAt", "order"}}},
			{"patch end before start", "PATCH", fmt.Sprintf("/api/v1/conferences/%d", w.Conf.ID), `{"endsAt":"2020-01-01T00:00:00Z"}`,
				[]want{{"endsAt", "order"}}},
			{"negative grace", "POST", "/api/v1/conferences", conf(`,"lateGraceMinutes":-5`), []want{{"lateGraceMinutes", "range"}}},
			{"grace past a day", "POST", "/api/v1/conferences", conf(`,"checkinLeadMinutes":1441`), []want{{"checkinLeadMinutes", "range"}}},
			{"grace that overflows a duration", "POST", "/api/v1/conferences", conf(`,"checkinLeadMinutes":307445735`),
				[]want{{"checkinLeadMinutes", "range"}}},
			{"unknown host", "POST", "/api/v1/conferences", conf(`,"hostOrganizationId":987654`), []want{{"hostOrganizationId", "unknown"}}},
			{"unknown point organization", "POST", points, `{"name":"Điểm cầu","organizationIds":[987654]}`, []want{{"organizationIds", "unknown"}}},
			{"invitation of a point elsewhere", "POST", invitations, fmt.Sprintf(`{"memberId":%d,"pointId":987654}`, w.MemA.ID),
				[]want{{"pointId", "unknown"}}},
			{"invitation twice", "POST", invitations, fmt.Sprintf(`{"memberId":%d,"pointId":%d}`, w.MemA.ID, w.PointB.ID),
				[]want{{"memberId", "duplicate"}}},
			{"organization its own parent", "PATCH", fmt.Sprintf("/api/v1/organizations/%d", w.Root.ID), fmt.Sprintf(`{"parentId":%d}`, w.A.ID),
				[]want{{"parentId", "cycle"}}},
			{"list with a bad page", "GET", "/api/v1/members?page=-1&pageSize=x", "", []want{{"page", "invalid"}, {"pageSize", "invalid"}}},
			{"list with a bad filter", "GET", "/api/v1/members?position=chairman&active=maybe", "",
				[]want{{"position", "one_of"}, {"active", "invalid"}}},
			{"list with a long query", "GET", "/api/v1/members?q=" + strings.Repeat("a", 101), "", []want{{"q", "too_long"}}},
			{"list with a NUL in the query", "GET", "/api/v1/members?q=a%00b", "", []want{{"q", "invalid"}}},
			{"list with invalid UTF-8 in the query", "GET", "/api/v1/organizations?q=%FF%FE", "", []want{{"q", "invalid"}}},
			{"list with a bad date", "GET", "/api/v1/conferences?from=hôm+qua", "", []want{{"from", "invalid"}}},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				before := mustCount(t, db)
				var b any
				if c.body != "" {
					b = c.body
				}
				p := mustProblem(t, doJSON(t, srv, c.method, c.path, token, b), 422, "/problems/validation")
				for _, wnt := range c.want {
					if !p.has(wnt.field, wnt.code) {
						t.Errorf("got problems %v, want %s %s", p.codes(), wnt.field, wnt.code)
					}
				}
				if after := mustCount(t, db); after != before {
					t.Errorf("rows: got %+v, want %+v (unchanged)", after, before)
				}
			})
		}
	})
}

// TestProblems_BadRequests covers requests that are wrong before any field is read.
func TestProblems_BadRequests(t *testing.T) {
	eachTarget(t, func(t *testing.T, tg testdb.Target) {
		srv, db := mustServer(t, tg)
		mustWorld(t, db)
		token := staffLogin(t, srv, "admin")
		org := `{"name":"Chi bộ","kind":"chi_bo"}`
		cases := []struct {
			name        string
			method      string
			path        string
			body        []byte
			contentType string
			status      int
			typ         string
		}{
			{"truncated JSON", "POST", "/api/v1/organizations", []byte(`{"name":"Chi bộ",`), "application/json", 400, "malformed"},
			{"empty body", "POST", "/api/v1/organizations", []byte{}, "application/json", 400, "malformed"},
			{"trailing garbage", "POST", "/api/v1/organizations", []byte(org + `xyz`), "application/json", 400, "malformed"},
			{"two objects", "POST", "/api/v1/organizations", []byte(org + org), "application/json", 400, "malformed"},
			{"an array", "POST", "/api/v1/organizations", []byte(`[` + org + `]`), "application/json", 400, "malformed"},
			{"single quotes", "POST", "/api/v1/organizations", []byte(`{'name':'x'}`), "application/json", 400, "malformed"},
			{"invalid UTF-8 in a string", "POST", "/api/v1/organizations", []byte("{\"name\":\"Chi b\xff\xfe\",\"kind\":\"chi_bo\"}"), "application/json", 400, "malformed"},
			{"NUL in a string", "POST", "/api/v1/organizations", []byte(`{"name":"Chi bộ\u0000","kind":"chi_bo"}`), "application/json", 400, "malformed"},
			{"NUL in a login", "POST", "/api/v1/auth/login", []byte(`{"login":"admin\u0000","password":"x"}`), "application/json", 400, "malformed"},
			{"text/plain", "POST", "/api/v1/organizations", []byte(org), "text/plain", 415, "unsupported-media-type"},
			{"form", "POST", "/api/v1/organizations", []byte("name=x&kind=chi_bo"), "application/x-www-form-urlencoded", 415, "unsupported-media-type"},
			{"unparsable content type", "POST", "/api/v1/organizations", []byte(org), "???", 415, "unsupported-media-type"},
			{"JSON to the import", "POST", "/api/v1/members/import", []byte(org), "application/json", 415, "unsupported-media-type"},
			{"JSON+suffix is JSON", "POST", "/api/v1/organizations", []byte(`{}`), "application/merge-patch+json", 422, "validation"},
			{"body over 1 MiB", "POST", "/api/v1/organizations", []byte(`{"name":"` + strings.Repeat("ă", 1<<19) + `","kind":"chi_bo"}`),
				"application/json", 413, "too-large"},
			{"whitespace over 1 MiB", "PATCH", "/api/v1/organizations/1", append(bytes.Repeat([]byte(" "), 1<<20+1), '{', '}'),
				"application/json", 413, "too-large"},
			{"unknown route", "GET", "/api/v1/nothing-here", nil, "", 404, "not-found"},
			{"unknown nested route", "GET", "/api/v1/members/1/friends", nil, "", 404, "not-found"},
			{"non-numeric id", "GET", "/api/v1/members/abc", nil, "", 404, "not-found"},
			{"negative id", "GET", "/api/v1/members/-1", nil, "", 404, "not-found"},
			{"zero id", "GET", "/api/v1/organizations/0", nil, "", 404, "not-found"},
			{"id past int64", "GET", "/api/v1/points/99999999999999999999", nil, "", 404, "not-found"},
			{"fractional id", "DELETE", "/api/v1/invitations/1.5", nil, "", 404, "not-found"},
			{"non-numeric id on patch", "PATCH", "/api/v1/conferences/x", []byte(`{}`), "application/json", 404, "not-found"},
			{"non-numeric id on a transition", "POST", "/api/v1/conferences/x/start", nil, "", 404, "not-found"},
			{"missing record on a transition", "POST", "/api/v1/conferences/987654/start", nil, "", 404, "not-found"},
			{"missing record on delete", "DELETE", "/api/v1/members/987654", nil, "", 404, "not-found"},
			{"missing conference for a point", "POST", "/api/v1/conferences/987654/points", []byte(`{"name":"Điểm cầu"}`), "application/json", 404, "not-found"},
			{"wrong method on a list", "DELETE", "/api/v1/members", nil, "", 405, "method-not-allowed"},
			{"wrong method on a record", "PUT", "/api/v1/organizations/1", []byte(org), "application/json", 405, "method-not-allowed"},
			{"wrong method on login", "GET", "/api/v1/auth/login", nil, "", 405, "method-not-allowed"},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				before := mustCount(t, db)
				r := do(t, srv, c.method, c.path, token, c.body, c.contentType)
				mustProblem(t, r, c.status, "/problems/"+c.typ)
				if after := mustCount(t, db); after != before {
					t.Errorf("rows: got %+v, want %+v (unchanged)", after, before)
				}
			})
		}
	})
}

// createEndpoint is an endpoint that takes a JSON body, with a body it accepts and
// the fields to spoil.
type createEndpoint struct {
	name    string
	path    string
	base    map[string]any
	ok      int
	strings []string
	numbers []string
}

// TestProblems_NastyBodies posts hostile bodies to every endpoint that creates
// something: each must be a 4xx problem (never a 500) and write nothing. The
// endpoint's good body is posted last and must work, so the refusals are about what
// was spoiled.
func TestProblems_NastyBodies(t *testing.T) {
	eachTarget(t, func(t *testing.T, tg testdb.Target) {
		srv, db := mustServer(t, tg, withConfig(api.Config{LoginRatePerAddress: "10000-M", LoginRatePerLogin: "10000-M"}))
		w := mustWorld(t, db)
		spare := mustMember(t, db, w.C.ID, "DV-C9", "Mạc Thị Dự", "member")
		token := staffLogin(t, srv, "admin")
		endpoints := []createEndpoint{
			{name: "organizations", path: "/api/v1/organizations", ok: 201,
				base:    map[string]any{"parentId": w.Root.ID, "code": "CB-X", "name": "Chi bộ Xây dựng", "kind": "chi_bo"},
				strings: []string{"code", "name", "kind"}, numbers: []string{"parentId"}},
			{name: "members", path: "/api/v1/members", ok: 201,
				base: map[string]any{"code": "DV-X1", "fullName": "Nguyễn Văn Xuân", "organizationId": w.C.ID, "position": "member",
					"phone": "0912 345 678", "pin": "2468", "exempt": false, "active": true},
				strings: []string{"code", "fullName", "position", "phone", "pin"}, numbers: []string{"organizationId"}},
			{name: "conferences", path: "/api/v1/conferences", ok: 201,
				base: map[string]any{"title": "Hội nghị sơ kết", "description": "Sơ kết 6 tháng", "hostOrganizationId": w.Root.ID,
					"startsAt": "2026-04-01T08:00:00+07:00", "endsAt": "2026-04-01T11:00:00+07:00", "checkinLeadMinutes": 30,
					"lateGraceMinutes": 10, "earlyLeaveGraceMinutes": 10, "invitePositions": []string{"secretary"}},
				strings: []string{"title", "description", "startsAt", "endsAt"},
				numbers: []string{"hostOrganizationId", "checkinLeadMinutes", "lateGraceMinutes", "earlyLeaveGraceMinutes"}},
			{name: "accounts", path: "/api/v1/accounts", ok: 201,
				base:    map[string]any{"login": "staff-x", "displayName": "Cán bộ X", "role": "organizer", "password": password},
				strings: []string{"login", "displayName", "role", "password"}},
			{name: "points", path: fmt.Sprintf("/api/v1/conferences/%d/points", w.Conf.ID), ok: 201,
				base:    map[string]any{"name": "Điểm cầu Văn phòng", "location": "Phòng họp số 1", "organizationIds": []int64{w.B.ID}},
				strings: []string{"name", "location"}},
			{name: "invitations", path: fmt.Sprintf("/api/v1/conferences/%d/invitations", w.Conf.ID), ok: 201,
				base:    map[string]any{"memberId": spare.ID, "pointId": w.PointA.ID, "note": "Mời dự"},
				strings: []string{"note"}, numbers: []string{"memberId", "pointId"}},
			{name: "login", path: "/api/v1/auth/login", ok: 200,
				base:    map[string]any{"login": "admin", "password": password},
				strings: []string{"login", "password"}},
		}
		for _, e := range endpoints {
			t.Run(e.name, func(t *testing.T) {
				for _, n := range nastyBodies(t, e) {
					t.Run(n.name, func(t *testing.T) {
						before := mustCount(t, db)
						r := do(t, srv, "POST", e.path, token, n.body, "application/json")
						if r.Status < 400 || r.Status >= 500 {
							t.Fatalf("body %.200q: got %s, want a 4xx", n.body, r)
						}
						mustProblem(t, r, r.Status, "")
						if after := mustCount(t, db); after != before {
							t.Fatalf("body %.200q wrote: rows got %+v, want %+v", n.body, after, before)
						}
					})
				}
				r := doJSON(t, srv, "POST", e.path, token, e.base)
				mustStatus(t, r, e.ok, "the good body")
			})
		}
	})
}

type nastyBody struct {
	name string
	body []byte
}

// nastyBodies spoils e's good body in every way the API must refuse.
func nastyBodies(t *testing.T, e createEndpoint) []nastyBody {
	t.Helper()
	good, err := json.Marshal(e.base)
	if err != nil {
		t.Fatal(err)
	}
	// with replaces field's value by raw JSON text, which may be invalid on purpose.
	with := func(field, raw string) []byte {
		m := map[string]any{}
		for k, v := range e.base {
			m[k] = v
		}
		m[field] = "\x00placeholder\x00"
		b, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		return bytes.Replace(b, []byte(`"\u0000placeholder\u0000"`), []byte(raw), 1)
	}
	nest := func(open, close string, n int) string { return strings.Repeat(open, n) + strings.Repeat(close, n) }
	out := []nastyBody{
		{"null", []byte(`null`)},
		{"empty object", []byte(`{}`)},
		{"array", []byte(`[]`)},
		{"array of the good body", []byte(`[` + string(good) + `]`)},
		{"string", []byte(`"str"`)},
		{"number", []byte(`42`)},
		{"true", []byte(`true`)},
		{"empty", []byte(``)},
		{"whitespace", []byte(" \r\n\t ")},
		{"open brace", []byte(`{`)},
		{"byte order mark", append([]byte("\xEF\xBB\xBF"), good...)},
		{"trailing garbage", append(append([]byte{}, good...), []byte(`,}`)...)},
		{"two bodies", append(append([]byte{}, good...), good...)},
		{"deep arrays", []byte(nest("[", "]", 100_000))},
		{"deep objects", []byte(strings.Repeat(`{"a":`, 20_000) + `1` + strings.Repeat(`}`, 20_000))},
		{"invalid UTF-8 outside strings", []byte("{\xff\xfe}")},
		{"NaN", bytes.Replace(good, []byte(`{`), []byte(`{"x":NaN,`), 1)},
		{"unknown field", bytes.Replace(good, []byte(`{`), []byte(`{"isAdmin":true,`), 1)},
	}
	for _, f := range e.strings {
		out = append(out,
			nastyBody{f + " invalid UTF-8", with(f, "\"Nguy\xe1\xbb n \xff\xfe\xc0\x80\"")},
			nastyBody{f + " NUL", with(f, `"a\u0000b"`)},
			nastyBody{f + " 10,000 characters", with(f, `"`+strings.Repeat("ữ", 10_000)+`"`)},
			nastyBody{f + " number", with(f, `5`)},
			nastyBody{f + " array", with(f, `["x"]`)},
			nastyBody{f + " object", with(f, `{"vi":"x"}`)},
			nastyBody{f + " deep nesting", with(f, nest("[", "]", 20_000))},
			nastyBody{f + " unterminated", with(f, `"abc`)},
		)
	}
	for _, f := range e.numbers {
		out = append(out,
			nastyBody{f + " 1e400", with(f, `1e400`)},
			nastyBody{f + " past int64", with(f, `99999999999999999999999`)},
			nastyBody{f + " max int64", with(f, `9223372036854775807`)},
			nastyBody{f + " min int64", with(f, `-9223372036854775808`)},
			nastyBody{f + " negative", with(f, `-1`)},
			nastyBody{f + " fraction", with(f, `1.5`)},
			nastyBody{f + " NaN string", with(f, `"NaN"`)},
			nastyBody{f + " Infinity string", with(f, `"Infinity"`)},
			nastyBody{f + " -Infinity bare", with(f, `-Infinity`)},
			nastyBody{f + " hex", with(f, `0x10`)},
			nastyBody{f + " numeric string", with(f, `"1"`)},
			nastyBody{f + " boolean", with(f, `true`)},
			nastyBody{f + " overflows minutes", with(f, `307445735`)},
		)
	}
	if _, ok := e.base["organizationIds"]; ok {
		many := make([]string, 1001)
		for i := range many {
			many[i] = strconv.Itoa(i + 1)
		}
		out = append(out,
			nastyBody{"organizationIds huge", with("organizationIds", `[1e400]`)},
			nastyBody{"organizationIds negative", with("organizationIds", `[-1]`)},
			nastyBody{"organizationIds max int64", with("organizationIds", `[9223372036854775807]`)},
			nastyBody{"organizationIds strings", with("organizationIds", `["NaN"]`)},
			nastyBody{"organizationIds object", with("organizationIds", `{"0":1}`)},
			nastyBody{"organizationIds 1001", with("organizationIds", `[`+strings.Join(many, ",")+`]`)},
		)
	}
	if _, ok := e.base["invitePositions"]; ok {
		out = append(out,
			nastyBody{"invitePositions unknown", with("invitePositions", `["chairman"]`)},
			nastyBody{"invitePositions NUL", with("invitePositions", `["secretary\u0000"]`)},
			nastyBody{"invitePositions numbers", with("invitePositions", `[1,2]`)},
		)
	}
	if _, ok := e.base["password"]; ok {
		out = append(out, nastyBody{"password longer than bcrypt takes", with("password", `"`+strings.Repeat("p", 100)+`"`)})
	}
	return out
}

// TestProblems_CSRF: a request signed in by cookie must carry the session's CSRF
// token on unsafe methods; a bearer token needs none.
func TestProblems_CSRF(t *testing.T) {
	eachTarget(t, func(t *testing.T, tg testdb.Target) {
		srv, db := mustServer(t, tg)
		w := mustWorld(t, db)
		s := mustLogin(t, srv, map[string]string{"login": "admin", "password": password})
		other := mustLogin(t, srv, map[string]string{"login": "admin", "password": password})
		if s.Cookie == nil {
			t.Fatal("sign in set no session cookie")
		}
		if !s.Cookie.HttpOnly || s.Cookie.SameSite != http.SameSiteLaxMode || s.Cookie.Path != "/" {
			t.Errorf("session cookie: got %+v, want HttpOnly, SameSite=Lax, Path=/", s.Cookie)
		}
		if s.Cookie.Value != s.Token {
			t.Errorf("session cookie: got a value other than the token")
		}
		org := func(code string) map[string]any {
			return map[string]any{"parentId": w.Root.ID, "code": code, "name": "Chi bộ " + code, "kind": "chi_bo"}
		}
		cookie := withCookie(s.Cookie)

		t.Run("cookie without token", func(t *testing.T) {
			before := mustCount(t, db)
			for _, c := range []struct {
				method, path string
				body         any
			}{
				{"POST", "/api/v1/organizations", org("CB-1")},
				{"PATCH", fmt.Sprintf("/api/v1/organizations/%d", w.A.ID), map[string]any{"name": "Đổi tên"}},
				{"DELETE", fmt.Sprintf("/api/v1/invitations/%d", w.InvMemA), nil},
				{"POST", fmt.Sprintf("/api/v1/conferences/%d/start", w.Conf.ID), nil},
				{"POST", "/api/v1/auth/logout", nil},
			} {
				mustProblem(t, doJSON(t, srv, c.method, c.path, "", c.body, cookie), 403, "/problems/csrf")
			}
			if after := mustCount(t, db); after != before {
				t.Errorf("rows: got %+v, want %+v", after, before)
			}
			mustStatus(t, doJSON(t, srv, "GET", "/api/v1/auth/me", "", nil, cookie), 200, "the session survives a refused logout")
		})
		t.Run("cookie with a wrong token", func(t *testing.T) {
			for _, tok := range []string{"x", other.CSRFToken, s.Token, strings.ToUpper(s.CSRFToken)} {
				r := doJSON(t, srv, "POST", "/api/v1/organizations", "", org("CB-2"), cookie, withHeader("X-CSRF-Token", tok))
				mustProblem(t, r, 403, "/problems/csrf")
			}
		})
		t.Run("cookie with the token", func(t *testing.T) {
			r := doJSON(t, srv, "POST", "/api/v1/organizations", "", org("CB-3"), cookie, withHeader("X-CSRF-Token", s.CSRFToken))
			mustStatus(t, r, 201, "POST with the CSRF token")
		})
		t.Run("cookie reads need no token", func(t *testing.T) {
			mustStatus(t, doJSON(t, srv, "GET", "/api/v1/organizations", "", nil, cookie), 200, "GET with the cookie")
		})
		t.Run("bearer needs no token", func(t *testing.T) {
			mustStatus(t, doJSON(t, srv, "POST", "/api/v1/organizations", s.Token, org("CB-4")), 201, "POST with a bearer token")
		})
		t.Run("logout by cookie with the token", func(t *testing.T) {
			r := doJSON(t, srv, "POST", "/api/v1/auth/logout", "", nil, cookie, withHeader("X-CSRF-Token", s.CSRFToken))
			mustStatus(t, r, 204, "logout")
			var cleared bool
			for _, c := range (&http.Response{Header: r.Header}).Cookies() {
				cleared = cleared || (c.Name == "diemcau_session" && c.MaxAge < 0)
			}
			if !cleared {
				t.Errorf("logout: got Set-Cookie %q, want the session cookie cleared", r.Header.Values("Set-Cookie"))
			}
			mustProblem(t, doJSON(t, srv, "GET", "/api/v1/auth/me", "", nil, cookie), 401, "/problems/unauthenticated")
			mustProblem(t, doJSON(t, srv, "GET", "/api/v1/auth/me", s.Token, nil), 401, "/problems/unauthenticated")
			mustStatus(t, doJSON(t, srv, "GET", "/api/v1/auth/me", other.Token, nil), 200, "the other session")
		})
	})
}

// TestProblems_RateLimit: sign-in attempts past the limits per login and per address
// are refused with 429 and Retry-After, whatever the credentials.
func TestProblems_RateLimit(t *testing.T) {
	eachTarget(t, func(t *testing.T, tg testdb.Target) {
		cfg := withConfig(api.Config{LoginRatePerAddress: "5-M", LoginRatePerLogin: "3-M"})
		attempt := func(t *testing.T, srv http.Handler, addr string, creds map[string]string) result {
			t.Helper()
			return doJSON(t, srv, "POST", "/api/v1/auth/login", "", creds, fromAddress(addr))
		}
		limited := func(t *testing.T, r result) {
			t.Helper()
			mustProblem(t, r, 429, "/problems/rate-limited")
			if s, err := strconv.Atoi(r.Header.Get("Retry-After")); err != nil || s <= 0 {
				t.Errorf("Retry-After: got %q, want a positive number of seconds", r.Header.Get("Retry-After"))
			}
		}
		wrong := map[string]string{"login": "admin", "password": "not-the-password"}
		right := map[string]string{"login": "admin", "password": password}

		t.Run("per login", func(t *testing.T) {
			srv, db := mustServer(t, tg, cfg)
			w := mustWorld(t, db)
			for i := range 3 {
				mustProblem(t, attempt(t, srv, fmt.Sprintf("192.0.2.%d:1000", i+1), wrong), 401, "/problems/bad-credentials")
			}
			// From a fresh address and with the right password, the login is still shut.
			limited(t, attempt(t, srv, "192.0.2.50:1000", right))
			// Spaces around the login, or another case, do not open a new allowance.
			limited(t, attempt(t, srv, "192.0.2.51:1000", map[string]string{"login": " admin ", "password": password}))
			limited(t, attempt(t, srv, "192.0.2.52:1000", map[string]string{"login": "ADMIN", "password": password}))
			// Other logins are not affected.
			mustStatus(t, attempt(t, srv, "192.0.2.53:1000", map[string]string{"login": "organizer", "password": password}), 200, "organizer")

			// A member's PIN is judged by the desk's lockout, not by these limits: four
			// wrong PINs are told how many tries remain, the fifth locks the member.
			bad := map[string]string{"memberCode": w.MemA.Code, "pin": "000000"}
			for i := range 4 {
				p := mustProblem(t, attempt(t, srv, fmt.Sprintf("198.51.100.%d:1000", i+1), bad), 401, "/problems/bad-credentials")
				if want := fmt.Sprintf("%d", 4-i); !strings.Contains(p.Detail, want) {
					t.Errorf("wrong PIN %d: detail %q does not say %s tries are left", i+1, p.Detail, want)
				}
			}
			locked := func(r result) {
				t.Helper()
				mustProblem(t, r, 429, "/problems/locked")
				if s, err := strconv.Atoi(r.Header.Get("Retry-After")); err != nil || s < 14*60 || s > 15*60 {
					t.Errorf("Retry-After: got %q, want the 15 minutes of the lock", r.Header.Get("Retry-After"))
				}
			}
			locked(attempt(t, srv, "198.51.100.5:1000", bad))
			locked(attempt(t, srv, "198.51.100.50:1000", map[string]string{"memberCode": w.MemA.Code, "pin": pin}))
			locked(attempt(t, srv, "198.51.100.51:1000", map[string]string{"memberCode": " " + w.MemA.Code, "pin": pin}))
			mustStatus(t, attempt(t, srv, "198.51.100.52:1000", map[string]string{"memberCode": w.SecA.Code, "pin": pin}), 200, "another member")
		})
		t.Run("per address", func(t *testing.T) {
			srv, db := mustServer(t, tg, cfg)
			mustWorld(t, db)
			const addr = "203.0.113.9:4000"
			for i := range 5 {
				creds := map[string]string{"login": fmt.Sprintf("nobody-%d", i), "password": "not-the-password"}
				mustProblem(t, attempt(t, srv, addr, creds), 401, "/problems/bad-credentials")
			}
			limited(t, attempt(t, srv, addr, map[string]string{"login": "organizer", "password": password}))
			limited(t, attempt(t, srv, "203.0.113.9:4001", map[string]string{"login": "organizer", "password": password}))
			mustStatus(t, attempt(t, srv, "203.0.113.10:4000", map[string]string{"login": "organizer", "password": password}), 200,
				"another address")
		})
	})
}

// TestProblems_Session: logging out ends the token; an expired session, and the
// session of a member made inactive, are refused.
func TestProblems_Session(t *testing.T) {
	eachTarget(t, func(t *testing.T, tg testdb.Target) {
		var now atomic.Int64
		now.Store(t0.UnixNano())
		clock := func() time.Time { return time.Unix(0, now.Load()).UTC() }
		srv, db := mustServer(t, tg, withClock(clock), withConfig(api.Config{SessionTTL: time.Hour}))
		w := mustWorld(t, db)

		t.Run("logout ends the token", func(t *testing.T) {
			a, b := staffLogin(t, srv, "organizer"), staffLogin(t, srv, "organizer")
			mustStatus(t, doJSON(t, srv, "POST", "/api/v1/auth/logout", a, nil), 204, "logout")
			mustProblem(t, doJSON(t, srv, "GET", "/api/v1/auth/me", a, nil), 401, "/problems/unauthenticated")
			mustProblem(t, doJSON(t, srv, "GET", "/api/v1/conferences", a, nil), 401, "/problems/unauthenticated")
			mustStatus(t, doJSON(t, srv, "GET", "/api/v1/auth/me", b, nil), 200, "the other session")
			mustStatus(t, doJSON(t, srv, "POST", "/api/v1/auth/logout", a, nil), 204, "logout again")
		})
		t.Run("sessions expire", func(t *testing.T) {
			tok := memberLogin(t, srv, w.MemA.Code)
			now.Add(int64(59 * time.Minute))
			mustStatus(t, doJSON(t, srv, "GET", "/api/v1/auth/me", tok, nil), 200, "within the hour")
			now.Add(int64(2 * time.Minute))
			mustProblem(t, doJSON(t, srv, "GET", "/api/v1/auth/me", tok, nil), 401, "/problems/unauthenticated")
		})
		t.Run("an inactive member is signed out", func(t *testing.T) {
			tok := memberLogin(t, srv, w.MemB.Code)
			admin := staffLogin(t, srv, "admin")
			r := doJSON(t, srv, "PATCH", fmt.Sprintf("/api/v1/members/%d", w.MemB.ID), admin, map[string]any{"active": false})
			mustStatus(t, r, 200, "deactivate")
			mustProblem(t, doJSON(t, srv, "GET", "/api/v1/auth/me", tok, nil), 401, "/problems/unauthenticated")
			mustProblem(t, doJSON(t, srv, "POST", "/api/v1/auth/login", "", map[string]string{"memberCode": w.MemB.Code, "pin": pin}),
				401, "/problems/bad-credentials")
		})
		t.Run("a bearer token that is not one", func(t *testing.T) {
			for _, h := range []string{"Bearer ", "Bearer " + strings.Repeat("x", 500), "Basic YWRtaW46eA==", "bearer abc", "Bearer a\tb"} {
				r := doJSON(t, srv, "GET", "/api/v1/members", "", nil, withHeader("Authorization", h))
				mustProblem(t, r, 401, "/problems/unauthenticated")
			}
		})
	})
}

// TestProblems_DocumentFields: the text fields of a document upload come as multipart
// fields, not JSON, and must be refused the same way when they are not text.
func TestProblems_DocumentFields(t *testing.T) {
	eachTarget(t, func(t *testing.T, tg testdb.Target) {
		srv, db := mustServer(t, tg)
		w := mustWorld(t, db)
		tok := staffLogin(t, srv, "organizer")
		path := fmt.Sprintf("/api/v1/conferences/%d/documents", w.Conf.ID)
		upload := func(title, filename string) result {
			var buf bytes.Buffer
			mw := multipart.NewWriter(&buf)
			if err := mw.WriteField("title", title); err != nil {
				t.Fatal(err)
			}
			f, err := mw.CreateFormFile("file", filename)
			if err != nil {
				t.Fatal(err)
			}
			f.Write(pdfFile)
			mw.Close()
			return do(t, srv, "POST", path, tok, buf.Bytes(), mw.FormDataContentType())
		}
		for _, c := range []struct {
			name, title, filename, field string
		}{
			{"NUL in the title", "Nghị quyết\x00", "nq.pdf", "title"},
			{"invalid UTF-8 in the title", "Ngh\xff quy\xe1t", "nq.pdf", "title"},
			{"NUL in the file name", "Nghị quyết", "nq\x00.pdf", "fileName"},
			{"invalid UTF-8 in the file name", "Nghị quyết", "ngh\xff.pdf", "fileName"},
		} {
			t.Run(c.name, func(t *testing.T) {
				p := mustProblem(t, upload(c.title, c.filename), 422, "/problems/validation")
				// A NUL in the file name breaks the part's header, so there is no file.
				if !p.has(c.field, "invalid") && !p.has("file", "required") {
					t.Errorf("got %v, want %s invalid", p.codes(), c.field)
				}
				var l struct {
					Items []idOnly `json:"items"`
				}
				doJSON(t, srv, "GET", path, tok, nil).decode(t, &l)
				if len(l.Items) != 0 {
					t.Errorf("got %d documents, want none", len(l.Items))
				}
			})
		}
		t.Run("Vietnamese title and file name", func(t *testing.T) {
			r := upload("Nghị quyết Đại hội XIV", "Nghị quyết số 01.pdf")
			mustStatus(t, r, 201, "upload")
			var d struct {
				Title    string `json:"title"`
				FileName string `json:"fileName"`
			}
			r.decode(t, &d)
			if d.Title != "Nghị quyết Đại hội XIV" || d.FileName != "Nghị quyết số 01.pdf" {
				t.Errorf("got %+v", d)
			}
		})
	})
}

// TestProblems_PageFormText: a page form reaches the store without the JSON decoder's
// check; text PostgreSQL cannot store must still be bad input, never a 500.
func TestProblems_PageFormText(t *testing.T) {
	eachTarget(t, func(t *testing.T, tg testdb.Target) {
		srv, db := mustServer(t, tg)
		mustWorld(t, db)
		s := mustLogin(t, srv, map[string]string{"login": "admin", "password": password})
		for _, name := range []string{"Chi bộ\x00", "Chi b\xff\xfe"} {
			before := mustCount(t, db)
			form := url.Values{"_csrf": {s.CSRFToken}, "name": {name}, "kind": {"chi_bo"}, "code": {""}}
			r := do(t, srv, "POST", "/vi/admin/organizations", "", []byte(form.Encode()), "application/x-www-form-urlencoded",
				withCookie(s.Cookie), withHeader("Accept", "text/html"))
			if r.Status >= 500 {
				t.Errorf("name %q: got %d, want no 5xx", name, r.Status)
			}
			if r.Status == 422 {
				if after := mustCount(t, db); after != before {
					t.Errorf("name %q: rows got %+v, want %+v", name, after, before)
				}
			}
		}
	})
}
