package api

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/diemcau/diemcau/attendance"
	"github.com/diemcau/diemcau/internal/testdb"
)

// The smaller things a user notices on the pages (issue 10, point 10).

func TestFormatSize(t *testing.T) {
	for _, tt := range []struct {
		n      int64
		vi, en string
	}{
		{0, "0 B", "0 B"},
		{400, "400 B", "400 B"},
		{1023, "1023 B", "1023 B"},
		{1024, "1 KB", "1 KB"},
		{1250, "1,2 KB", "1.2 KB"},
		{10 * 1024, "10 KB", "10 KB"},
		{10188, "9,9 KB", "9.9 KB"},
		{10230, "10 KB", "10 KB"}, // 9.99 rounds to 10, shown without a decimal
		{512 * 1024, "512 KB", "512 KB"},
		{25 << 20, "25 MB", "25 MB"},
		{1536 << 20, "1,5 GB", "1.5 GB"},
	} {
		if got := formatSize("vi", tt.n); got != tt.vi {
			t.Errorf("formatSize(vi, %d) = %q, want %q", tt.n, got, tt.vi)
		}
		if got := formatSize("en", tt.n); got != tt.en {
			t.Errorf("formatSize(en, %d) = %q, want %q", tt.n, got, tt.en)
		}
	}
}

func TestPages_SmallThings(t *testing.T) {
	for _, tg := range testdb.Targets(t) {
		t.Run(tg.Name, func(t *testing.T) {
			w := mustReportWorld(t, tg)
			ctx := context.Background()
			confPage := fmt.Sprintf("/vi/admin/conferences/%d", w.conf.ID)

			t.Run("file sizes", func(t *testing.T) {
				for _, d := range []attendance.Document{
					{ConferenceID: w.conf.ID, Title: "Giấy mời", FileName: "giay-moi.pdf", ContentType: "application/pdf",
						Data: append([]byte("%PDF-1.4\n"), bytes.Repeat([]byte{' '}, 391)...)},
					{ConferenceID: w.conf.ID, Title: "Chương trình", FileName: "chuong-trinh.pdf", ContentType: "application/pdf",
						Data: append([]byte("%PDF-1.4\n"), bytes.Repeat([]byte{' '}, 1241)...)},
				} {
					if err := w.db.CreateDocument(ctx, &d); err != nil {
						t.Fatal(err)
					}
				}
				for page, want := range map[string][]string{confPage: {">400 B<", ">1,2 KB<"},
					strings.Replace(confPage, "/vi/", "/en/", 1): {">400 B<", ">1.2 KB<"}} {
					b := w.browse(t, "organizer", page).Body.String()
					for _, s := range want {
						if !strings.Contains(b, s) {
							t.Errorf("%s does not show %s", page, s)
						}
					}
					if strings.Contains(b, "KiB") {
						t.Errorf("%s still shows KiB", page)
					}
				}
			})

			t.Run("chairs land on their points", func(t *testing.T) {
				for _, tt := range []struct {
					lang, code, next, want string
				}{
					{"vi", w.secA.Code, "", "/vi/chair/"},
					{"en", w.secB.Code, "", "/en/chair/"},
					{"vi", w.secA.Code, "/vi/requests", "/vi/requests"},
					{"vi", w.duc.Code, "", "/vi/"},
				} {
					form := url.Values{"mode": {"member"}, "memberCode": {tt.code}, "pin": {"123456"}, "next": {tt.next}}
					req := httptest.NewRequest(http.MethodPost, "/"+tt.lang+"/login", strings.NewReader(form.Encode()))
					req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
					rec := httptest.NewRecorder()
					w.srv.ServeHTTP(rec, req)
					if loc := rec.Header().Get("Location"); rec.Code != http.StatusSeeOther || loc != tt.want {
						t.Errorf("%s signs in (next %q): got %d to %q, want 303 to %q", tt.code, tt.next, rec.Code, loc, tt.want)
					}
				}
				if rec := w.browse(t, "chairA", "/vi/chair/"); rec.Code != http.StatusOK ||
					!strings.Contains(rec.Body.String(), fmt.Sprintf(`href="/vi/chair/points/%d"`, w.pointA.ID)) {
					t.Errorf("the chair's landing page does not list their point: %d", rec.Code)
				}
			})

			t.Run("board", func(t *testing.T) {
				for _, lang := range []string{"vi", "en"} {
					rec := w.browse(t, "supervisor", fmt.Sprintf("/%s/admin/conferences/%d/board", lang, w.conf.ID))
					if rec.Code != http.StatusOK {
						t.Fatalf("board (%s): %d", lang, rec.Code)
					}
					b := rec.Body.String()
					// The checkbox and its words on one line: inside a label.check, whose
					// style keeps the box its own size beside the text.
					if !regexp.MustCompile(`<label class="check"><input type="checkbox" name="problems"[^>]*> [^<]+</label>`).MatchString(b) {
						t.Errorf("board (%s): the problems-only checkbox is not in a label.check", lang)
					}
					label := map[string]string{"vi": "Số điểm cầu đang hiển thị:", "en": "Points shown:"}[lang]
					if !regexp.MustCompile(regexp.QuoteMeta(label) + ` <strong id="board-total">2</strong>`).MatchString(b) {
						t.Errorf("board (%s): the total is not labelled %q", lang, label)
					}
					for _, pt := range []attendance.Point{w.pointA, w.pointB} {
						link := fmt.Sprintf(`<a href="/%s/admin/points/%d"><strong>%s</strong></a>`, lang, pt.ID, pt.Name)
						if !strings.Contains(b, link) {
							t.Errorf("board (%s): %s does not link to its point", lang, pt.Name)
						}
					}
				}
				css := w.browse(t, "", "/static/style.css").Body.String()
				if !strings.Contains(css, "label.check input { flex: none; width: 1.15rem;") {
					t.Errorf("style.css no longer sizes a label.check's box")
				}
				// Where the names lead: the point, for every staff role; only those who
				// act at a point are offered its roster and printed codes.
				for who, roster := range map[string]bool{"supervisor": false, "organizer": true, "admin": true} {
					rec := w.browse(t, who, fmt.Sprintf("/vi/admin/points/%d", w.pointA.ID))
					if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "Điểm cầu Ban Tuyên giáo") ||
						!strings.Contains(rec.Body.String(), "Chi bộ Ban Tuyên giáo Tỉnh uỷ") {
						t.Errorf("point page as %s: %d", who, rec.Code)
					}
					if got := strings.Contains(rec.Body.String(), `id="open-roster"`); got != roster {
						t.Errorf("point page as %s offers the roster: %v, want %v", who, got, roster)
					}
				}
				if rec := w.browse(t, "chairA", fmt.Sprintf("/vi/admin/points/%d", w.pointA.ID)); rec.Code != http.StatusForbidden {
					t.Errorf("a chair opening the staff's point page: %d, want 403", rec.Code)
				}
			})
		})
	}
}
