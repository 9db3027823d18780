package api_test

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/diemcau/diemcau/api"
	"github.com/diemcau/diemcau/attendance"
	"github.com/diemcau/diemcau/internal/testdb"
	"github.com/diemcau/diemcau/internal/testroster"
)

// TestImport_TooLarge sends the rosters of issue 9, point 10, that were read whole
// before being refused — a sheet of 1,000,001 rows, a sheet of 257 KB zipped padded
// with spaces — to the import of the API and of the admin page, in Vietnamese and in
// English: each is a 422 that names the limit, and nothing is imported. The store
// plays no part (the file is refused before it), so one database is enough.
func TestImport_TooLarge(t *testing.T) {
	if testing.Short() {
		t.Skip("builds files of hundreds of megabytes unzipped")
	}
	tg := testdb.Targets(t)[0]
	cfg := tg.Config
	cfg.DataDir = t.TempDir()
	db := testdb.MustOpen(t, cfg)
	errs := &admErrLog{}
	srv, err := api.NewServer(slog.New(errs), db, api.Config{Secret: []byte("diemcau-import-too-large-secret"),
		LoginRatePerAddress: "1000-M", LoginRatePerLogin: "1000-M"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		for _, l := range errs.lines() {
			t.Errorf("server logged an error: %s", l)
		}
	})
	s := &admServer{h: srv, db: db}
	admSeed(t, db)
	admin := s.signIn(t, "quantri", attendance.RoleAdmin)

	many, err := testroster.ManyRows(1_000_000)
	if err != nil {
		t.Fatal(err)
	}
	padded, err := testroster.PaddedCells(testroster.OneCell, 255<<20, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(padded) > 300<<10 {
		t.Fatalf("the padded roster is %d KB zipped, want about 257 KB", len(padded)>>10)
	}
	tests := []struct {
		name    string
		data    []byte
		message string // the problem's words, on the page and in the API alike
		lang    string
		field   fieldProblemJSON
	}{
		// The row limit is reported where the reading stopped.
		{"1,000,001 rows", many, "Dòng 200002: tệp có hơn 100000 dòng dữ liệu, quá số dòng nhập được một lần; hãy chia thành nhiều tệp", "vi",
			fieldProblemJSON{Field: "file", Code: "range", Param: "100000", Line: 200_002}},
		{"1,000,001 rows", many, "Line 200002: the file has more than 100000 data rows, more than one import takes; split it into several files", "en",
			fieldProblemJSON{Field: "file", Code: "range", Param: "100000", Line: 200_002}},
		{"a cell padded with 255 MiB of spaces", padded, "Dòng 2: có ô dài quá 32767 ký tự; tệp không được đọc tiếp từ đây", "vi",
			fieldProblemJSON{Field: "file", Code: "too_long", Param: "32767", Line: 2}},
		{"a cell padded with 255 MiB of spaces", padded, "Line 2: a cell is longer than 32767 characters; the file is not read past it", "en",
			fieldProblemJSON{Field: "file", Code: "too_long", Param: "32767", Line: 2}},
	}
	for _, tt := range tests {
		t.Run(tt.lang+"/"+tt.name, func(t *testing.T) {
			o1, m1, c1, a1 := admCount(t, db)
			res := admin.importAs(tt.lang, "/"+tt.lang+"/admin/import", tt.data, "text/html")
			admWant(t, res, http.StatusUnprocessableEntity, tt.message)
			if !strings.Contains(res.Body.String(), `type="file"`) {
				t.Errorf("the page does not offer the form again")
			}
			res = admin.importAs(tt.lang, "/api/v1/members/import", tt.data, "application/json")
			var p struct {
				Status int
				Errors []fieldProblemJSON
			}
			if err := json.Unmarshal(res.Body.Bytes(), &p); err != nil || res.Code != http.StatusUnprocessableEntity {
				t.Fatalf("API: got %d %s, want a 422 problem", res.Code, res.Body)
			}
			want := tt.field
			want.Message = tt.message
			if len(p.Errors) != 1 || p.Errors[0] != want {
				t.Errorf("API: got %+v, want %+v", p.Errors, want)
			}
			if o2, m2, c2, a2 := admCount(t, db); o1 != o2 || m1 != m2 || c1 != c2 || a1 != a2 {
				t.Errorf("something was stored")
			}
		})
	}
}

// fieldProblemJSON is one problem of a problem document as the API writes it.
type fieldProblemJSON struct {
	Field   string `json:"field"`
	Code    string `json:"code"`
	Line    int    `json:"line"`
	Param   string `json:"param"`
	Message string `json:"message"`
}

// importAs posts a roster file to path with the session and its CSRF token, in lang.
func (b *admBrowser) importAs(lang, path string, data []byte, accept string) *httptest.ResponseRecorder {
	b.t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	fw, err := w.CreateFormFile("file", "danh-sach.xlsx")
	if err != nil {
		b.t.Fatal(err)
	}
	fw.Write(data)
	w.Close()
	req := httptest.NewRequest(http.MethodPost, path, &buf)
	req.Header.Set("Content-Type", w.FormDataContentType())
	req.Header.Set("X-CSRF-Token", b.csrf)
	req.Header.Set("Accept", accept)
	req.Header.Set("Accept-Language", lang)
	for k, v := range b.cookies {
		req.AddCookie(&http.Cookie{Name: k, Value: v})
	}
	rec := httptest.NewRecorder()
	b.h.ServeHTTP(rec, req)
	return rec
}
