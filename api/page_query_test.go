package api_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/diemcau/diemcau/api"
	"github.com/diemcau/diemcau/attendance"
	"github.com/diemcau/diemcau/attendance/sqlstore"
	"github.com/diemcau/diemcau/internal/testdb"
)

// TestPages_UnreadableQuery sends NUL and invalid UTF-8 in every query parameter of
// every page that reads one (the c.Query calls of api/page_*.go), signed in with a
// role that may open the page. PostgreSQL refuses such text, and the pages used to
// pass it to the store and answer 500; now each page comes back as it is without the
// value, with 422 and the field named, in Vietnamese and in English. admEach fails
// the test if the server logs an error, as it does for every 5xx.
func TestPages_UnreadableQuery(t *testing.T) {
	admEach(t, func(t *testing.T, s *admServer) {
		w := admSeed(t, s.db)
		admin := s.signIn(t, "quantri", attendance.RoleAdmin)
		supervisor := s.signIn(t, "kiemtra", attendance.RoleSupervisor)
		visitor := &admBrowser{t: t, h: s.h, cookies: map[string]string{}}
		conf := "/admin/conferences/" + admID(w.conf.ID)
		// The phone's check-in page needs a code of a point whose check-in is open.
		w.conf.StartsAt = time.Now().Add(10 * time.Minute).Truncate(time.Minute)
		w.conf.EndsAt = w.conf.StartsAt.Add(3 * time.Hour)
		if err := s.db.UpdateConference(context.Background(), &w.conf); err != nil {
			t.Fatal(err)
		}
		qr := admin.get("/api/v1/points/" + admID(w.point.ID) + "/qr")
		var codes struct{ CheckInURL string }
		if err := json.Unmarshal(qr.Body.Bytes(), &codes); err != nil || codes.CheckInURL == "" {
			t.Fatalf("point codes: got %d %s", qr.Code, qr.Body)
		}
		checkIn := "/c/" + codes.CheckInURL[strings.LastIndex(codes.CheckInURL, "/")+1:]

		pages := []struct {
			path   string
			as     *admBrowser
			params []string
		}{
			{"/login", visitor, []string{"next", "mode"}},
			{checkIn, visitor, []string{"forget"}},
			{"/admin/organizations", admin, []string{"q", "kind", "parentId", "page"}},
			{"/admin/organizations/new", admin, []string{"parentId"}},
			{"/admin/members", admin, []string{"q", "organizationId", "position", "active", "page"}},
			{"/admin/members/new", admin, []string{"organizationId"}},
			{"/admin/conferences", admin, []string{"q", "status", "page"}},
			{conf, admin, []string{"page"}},
			{conf + "/invitations", admin, []string{"q", "pointId", "page"}},
			{"/admin/accounts", admin, []string{"q", "role", "page"}},
			{"/admin/supervision", supervisor, []string{"from", "to", "organizationId", "status", "kind", "page"}},
			{"/admin/supervision/repeat", supervisor, []string{"year", "threshold"}},
			{"/admin/supervision/audit", supervisor, []string{"verify", "page"}},
		}
		labels := map[string]map[string]string{"vi": admLabels(t, "vi"), "en": admLabels(t, "en")}
		invalid := map[string]string{"vi": "Không đúng định dạng", "en": "Not in the expected form"}
		title := regexp.MustCompile(`<title>[^<]*</title>`)
		for _, p := range pages {
			for _, lang := range []string{"vi", "en"} {
				clean := p.as.get("/" + lang + p.path)
				if clean.Code != http.StatusOK {
					t.Fatalf("GET /%s%s: got %d, want 200", lang, p.path, clean.Code)
				}
				for _, param := range p.params {
					for _, bad := range []string{"%00", "%ff", "a%00b", "Tr%e1n"} {
						path := "/" + lang + p.path + "?" + param + "=" + bad
						t.Run(path, func(t *testing.T) {
							res := p.as.get(path)
							label := labels[lang]["field."+param]
							if label == "" {
								t.Fatalf("no %s label for the field %s", lang, param)
							}
							admWant(t, res, http.StatusUnprocessableEntity, label+": "+invalid[lang])
							if got, want := title.FindString(res.Body.String()), title.FindString(clean.Body.String()); got != want {
								t.Errorf("got the page %s, want the page itself again, %s", got, want)
							}
							if strings.Contains(res.Body.String(), "\x00") || strings.Contains(res.Body.String(), "\xff") {
								t.Errorf("the page shows the unreadable value back")
							}
						})
					}
				}
			}
		}
		t.Run("good values next to a bad one still apply", func(t *testing.T) {
			res := admin.get("/vi/admin/members?q=d%C6%B0%C6%A1ng&page=%ff")
			admWant(t, res, http.StatusUnprocessableEntity, "Trang: Không đúng định dạng", "Nguyễn Thị Thuỳ Dương", "1 kết quả")
		})
	})
}

// admLabels are the translations of lang from every file of web/i18n, for the labels
// of fields.
func admLabels(t *testing.T, lang string) map[string]string {
	t.Helper()
	files, err := filepath.Glob("../web/i18n/*" + lang + ".json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no translations for %s: %v", lang, err)
	}
	out := map[string]string{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(b, &out); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
	}
	return out
}

// failingStore answers the member list with err, when set, as a database might.
type failingStore struct {
	*sqlstore.DB
	err error
}

func (s *failingStore) Members(ctx context.Context, f attendance.MemberFilter) (attendance.List[attendance.Member], error) {
	if s.err == nil {
		return s.DB.Members(ctx, f)
	}
	return attendance.List[attendance.Member]{}, fmt.Errorf("list members: %w", s.err)
}

// TestPages_StoreProblems: a page the store cannot serve answers the status the one
// table gives the store's error, as the API does, not 500 for everything but 403 and
// 404; only a real 5xx is logged, and a 503 says when to try again.
func TestPages_StoreProblems(t *testing.T) {
	tg := testdb.Targets(t)[0]
	cfg := tg.Config
	cfg.DataDir = t.TempDir()
	db := testdb.MustOpen(t, cfg)
	store := &failingStore{DB: db}
	errs := &admErrLog{}
	srv, err := api.NewServer(slog.New(errs), store, api.Config{Secret: []byte("diemcau-page-store-problems-secret"),
		LoginRatePerAddress: "1000-M", LoginRatePerLogin: "1000-M"})
	if err != nil {
		t.Fatal(err)
	}
	admin := (&admServer{h: srv, db: db}).signIn(t, "quantri", attendance.RoleAdmin)
	tests := []struct {
		err        error
		status     int
		vi, en     string
		retryAfter string
		logged     bool
	}{
		{attendance.ErrInvalid, http.StatusUnprocessableEntity, "Dữ liệu không hợp lệ", "Invalid input", "", false},
		{attendance.Invalid("q", attendance.CodeTooLong, "100"), http.StatusUnprocessableEntity, "Tìm kiếm: Dài quá", "Search: Longer than", "", false},
		{attendance.ErrConflict, http.StatusConflict, "Dữ liệu đang được sử dụng hoặc bị trùng", "The record is in use", "", false},
		{attendance.ErrNotFound, http.StatusNotFound, "Không tìm thấy trang", "Page not found", "", false},
		{fmt.Errorf("%w: connection refused", attendance.ErrUnavailable), http.StatusServiceUnavailable,
			"Cơ sở dữ liệu tạm thời chưa phản hồi", "The database is not answering", "5", true},
		{errors.New("disk on fire"), http.StatusInternalServerError, "Lỗi hệ thống", "Internal error", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.err.Error(), func(t *testing.T) {
			store.err = tt.err
			before := len(errs.lines())
			for lang, words := range map[string]string{"vi": tt.vi, "en": tt.en} {
				res := admin.get("/" + lang + "/admin/members")
				admWant(t, res, tt.status, words)
				if got := res.Header().Get("Retry-After"); got != tt.retryAfter {
					t.Errorf("%s: Retry-After %q, want %q", lang, got, tt.retryAfter)
				}
				if strings.Contains(res.Body.String(), "disk on fire") || strings.Contains(res.Body.String(), "connection refused") {
					t.Errorf("%s: the page shows the cause of a 5xx", lang)
				}
			}
			if logged := len(errs.lines()) > before; logged != tt.logged {
				t.Errorf("logged an error: %v, want %v", logged, tt.logged)
			}
		})
	}
}
