package api_test

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/diemcau/diemcau/internal/testdb"
	"github.com/xuri/excelize/v2"
)

// importResult is the answer of POST /api/v1/members/import.
type importResult struct {
	Created int `json:"created"`
	Updated int `json:"updated"`
	Total   int `json:"total"`
}

// rosterRow is one member of a test roster.
type rosterRow struct {
	code, name, org, position, phone, exempt string
}

// The members of the test roster, with names as people write them.
var roster = []rosterRow{
	{"DV-I01", "Nguyễn Thị Thuỳ Dương", "CB-C", "Bí thư", "0912 000 001", ""},
	{"DV-I02", "Trần Văn Đức", "CB-C", "Phó bí thư", "0912 000 002", ""},
	{"DV-I03", "Hoàng Thị Hải Yến", "CB-C", "Đảng viên", "0912 000 003", "x"},
	{"DV-I04", "Nguye\u0302\u0303n Thi\u0323 Hoa\u0300", "cb-c", "", "", ""}, // decomposed, as some keyboards type it
	{"DV-I05", "Ksor H'Bia", "Chi bộ Văn phòng", "đảng viên", "+84 912 000 005", "Không"},
	{"DV-I06", "Lò Thị Mỷ", "CB-C", "", "0912.000.006", ""},
}

// excelCSV writes rows as Excel in Vietnam saves "CSV UTF-8": a byte order mark,
// semicolons (the decimal mark there is a comma) and CRLF line ends.
func excelCSV(rows []rosterRow) []byte {
	var b strings.Builder
	b.WriteString("\uFEFFMã đảng viên;Họ và tên;Mã tổ chức;Chức vụ;Điện thoại;Miễn sinh hoạt\r\n")
	for _, r := range rows {
		fmt.Fprintf(&b, "%s;%s;%s;%s;%s;%s\r\n", r.code, r.name, r.org, r.position, r.phone, r.exempt)
	}
	return []byte(b.String())
}

// workbook writes rows as an XLSX file whose first sheet holds instructions and whose
// second holds the roster, as provincial templates often do.
func workbook(t *testing.T, rows []rosterRow) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetSheetName("Sheet1", "Hướng dẫn"); err != nil {
		t.Fatal(err)
	}
	if err := f.SetCellValue("Hướng dẫn", "A1", "Điền danh sách đảng viên ở trang Danh sách"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.NewSheet("Danh sách"); err != nil {
		t.Fatal(err)
	}
	header := []any{"STT", "Mã ĐV", "Họ và tên", "Chi bộ", "Chức vụ", "SĐT", "Miễn SH"}
	if err := f.SetSheetRow("Danh sách", "A1", &header); err != nil {
		t.Fatal(err)
	}
	for i, r := range rows {
		row := []any{i + 1, r.code, r.name, r.org, r.position, r.phone, r.exempt}
		if err := f.SetSheetRow("Danh sách", fmt.Sprintf("A%d", i+2), &row); err != nil {
			t.Fatal(err)
		}
	}
	buf, err := f.WriteToBuffer()
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// upload posts data as the multipart field "file" to the import.
func upload(t *testing.T, h http.Handler, token, filename string, data []byte) result {
	t.Helper()
	body, ct := multipartFile(t, "file", filename, data)
	return do(t, h, "POST", "/api/v1/members/import", token, body, ct)
}

// byCode reads every member of organization org by code.
func byCode(t *testing.T, h http.Handler, token string, org int64) map[string]memberJSON {
	t.Helper()
	l := mustList[memberJSON](t, h, fmt.Sprintf("/api/v1/members?organizationId=%d&pageSize=500", org), token)
	out := map[string]memberJSON{}
	for _, m := range l.Items {
		out[m.Code] = m
	}
	return out
}

// checkRoster compares the members of org with rows, names byte for byte.
func checkRoster(t *testing.T, got map[string]memberJSON, rows []rosterRow) {
	t.Helper()
	if len(got) != len(rows) {
		t.Errorf("got %d members, want %d", len(got), len(rows))
	}
	positions := map[string]string{"Bí thư": "secretary", "Phó bí thư": "deputy"}
	for _, r := range rows {
		m, ok := got[r.code]
		if !ok {
			t.Errorf("member %s missing", r.code)
			continue
		}
		if m.FullName != r.name {
			t.Errorf("%s name: got %q (% x), want %q (% x)", r.code, m.FullName, m.FullName, r.name, r.name)
		}
		wantPos := positions[r.position]
		if wantPos == "" {
			wantPos = "member"
		}
		if m.Position != wantPos || m.Phone != r.phone || m.Exempt != (r.exempt == "x") || !m.Active {
			t.Errorf("%s: got %+v, want position %s, phone %q, exempt %v, active", r.code, m, wantPos, r.phone, r.exempt == "x")
		}
	}
}

func TestImport_Roster(t *testing.T) {
	eachTarget(t, func(t *testing.T, tg testdb.Target) {
		srv, db := mustServer(t, tg)
		w := mustWorld(t, db)
		tok := staffLogin(t, srv, "admin")

		t.Run("CSV as Excel saves it in Vietnam", func(t *testing.T) {
			r := upload(t, srv, tok, "Danh sách đảng viên.csv", excelCSV(roster))
			mustStatus(t, r, 200, "import")
			var got importResult
			r.decode(t, &got)
			if got != (importResult{Created: len(roster), Total: len(roster)}) {
				t.Errorf("got %+v, want %d created", got, len(roster))
			}
			checkRoster(t, byCode(t, srv, tok, w.C.ID), roster)
		})
		t.Run("importing again updates by code", func(t *testing.T) {
			before := mustCount(t, db)
			changed := make([]rosterRow, len(roster))
			for i, r := range roster {
				r.phone = fmt.Sprintf("0987 000 %03d", i)
				changed[i] = r
			}
			r := upload(t, srv, tok, "danh-sach-moi.csv", excelCSV(changed))
			mustStatus(t, r, 200, "import again")
			var got importResult
			r.decode(t, &got)
			if got != (importResult{Updated: len(roster), Total: len(roster)}) {
				t.Errorf("got %+v, want created=0 updated=%d", got, len(roster))
			}
			if after := mustCount(t, db); after != before {
				t.Errorf("rows: got %+v, want %+v", after, before)
			}
			checkRoster(t, byCode(t, srv, tok, w.C.ID), changed)
		})
		t.Run("XLSX", func(t *testing.T) {
			rows := []rosterRow{
				{"DV-X01", "Đặng Thị Ngọc Ánh", "CB-B", "Bí thư", "0913 111 111", ""},
				{"DV-X02", "Vương Đình Huệ", "CB-B", "", "0913111112", "x"},
				{"DV-X03", "Y Ngông Niê Kdăm", "Chi bộ Sở Y tế", "Đảng viên", "", ""},
			}
			r := upload(t, srv, tok, "danh-sach.xlsx", workbook(t, rows))
			mustStatus(t, r, 200, "import")
			var got importResult
			r.decode(t, &got)
			if got != (importResult{Created: 3, Total: 3}) {
				t.Errorf("got %+v, want 3 created", got)
			}
			members := byCode(t, srv, tok, w.B.ID)
			delete(members, w.SecB.Code)
			delete(members, w.MemB.Code)
			checkRoster(t, members, rows)
		})
		t.Run("the name of the file does not matter", func(t *testing.T) {
			rows := []rosterRow{{"DV-N01", "Mai Thị Tên Tệp", "CB-A", "", "", ""}}
			r := upload(t, srv, tok, "ảnh chụp.png", excelCSV(rows))
			mustStatus(t, r, 200, "a CSV named .png")
		})
	})
}

func TestImport_Refused(t *testing.T) {
	eachTarget(t, func(t *testing.T, tg testdb.Target) {
		srv, db := mustServer(t, tg)
		w := mustWorld(t, db)
		tok := staffLogin(t, srv, "admin")
		good := excelCSV(roster[:3])
		withRow := func(bad rosterRow) []byte {
			rows := append(append([]rosterRow{}, roster[:2]...), bad)
			rows = append(rows, roster[2:4]...)
			return excelCSV(rows) // the bad row is on line 4
		}
		type lineProblem struct {
			line        int
			field, code string
		}
		pngData := append([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), bytes.Repeat([]byte{0, 1, 2, 0xff}, 64)...)
		cases := []struct {
			name     string
			filename string
			data     []byte
			want     []lineProblem
		}{
			{"unknown organization code", "ds.csv", withRow(rosterRow{"DV-E01", "Phạm Văn Lạc", "CB-KHONG-CO", "", "", ""}),
				[]lineProblem{{4, "organization", "unknown"}}},
			{"empty name", "ds.csv", withRow(rosterRow{"DV-E01", "   ", "CB-C", "", "", ""}), []lineProblem{{4, "fullName", "required"}}},
			{"bad position", "ds.csv", withRow(rosterRow{"DV-E01", "Phạm Văn Chức", "CB-C", "Chủ tịch", "", ""}),
				[]lineProblem{{4, "position", "one_of"}}},
			{"bad phone", "ds.csv", withRow(rosterRow{"DV-E01", "Phạm Văn Số", "CB-C", "", "gọi sau", ""}),
				[]lineProblem{{4, "phone", "invalid"}}},
			{"code twice", "ds.csv", withRow(rosterRow{roster[0].code, "Phạm Văn Trùng", "CB-C", "", "", ""}),
				[]lineProblem{{4, "code", "duplicate"}}},
			{"several bad rows", "ds.csv", excelCSV([]rosterRow{
				roster[0],
				{"DV-E01", "", "CB-C", "", "", ""},
				roster[1],
				{"DV-E02", "Phạm Văn Hai", "CB-C", "Trưởng ban", "", "có lẽ"},
			}), []lineProblem{{3, "fullName", "required"}, {5, "position", "one_of"}, {5, "exempt", "invalid"}}},
			{"missing column", "ds.csv", []byte("Mã đảng viên;Chức vụ\r\nDV-E01;Bí thư\r\n"),
				[]lineProblem{{1, "fullName", "required"}, {1, "organization", "required"}}},
			{"header only", "ds.csv", []byte("\uFEFFMã đảng viên;Họ và tên;Mã tổ chức\r\n"), []lineProblem{{0, "file", "empty_file"}}},
			{"empty file", "ds.csv", []byte{}, []lineProblem{{0, "file", "empty_file"}}},
			{"a PDF named .csv", "ds.csv", []byte("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n"),
				[]lineProblem{{0, "file", "file_type"}}},
			{"a PNG named .csv", "ds.csv", pngData, []lineProblem{{0, "file", "file_type"}}},
			{"UTF-16 CSV", "ds.csv", utf16(string(good)), []lineProblem{{0, "file", "file_type"}}},
			{"a zip that is no workbook", "ds.xlsx", zipOf(t, "word/document.xml", "<w:document/>"), []lineProblem{{0, "file", "file_type"}}},
			{"an HTML page named .xls", "ds.xls", []byte("<html><body><table><tr><td>Mã</td></tr></table></body></html>"),
				[]lineProblem{{0, "file", "file_type"}}},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				before := mustCount(t, db)
				r := upload(t, srv, tok, c.filename, c.data)
				p := mustProblem(t, r, 422, "/problems/validation")
				for _, wnt := range c.want {
					found := false
					for _, e := range p.Errors {
						if e.Line == wnt.line && e.Field == wnt.field && e.Code == wnt.code {
							found = true
							if wnt.line > 0 && !strings.HasPrefix(e.Message, fmt.Sprintf("Dòng %d · ", wnt.line)) {
								t.Errorf("message: got %q, want it to start with the line", e.Message)
							}
						}
					}
					if !found {
						t.Errorf("got problems %+v, want line %d %s %s", p.Errors, wnt.line, wnt.field, wnt.code)
					}
				}
				if len(p.Errors) != len(c.want) {
					t.Errorf("got %d problems %+v, want %d", len(p.Errors), p.Errors, len(c.want))
				}
				if after := mustCount(t, db); after != before {
					t.Errorf("rows: got %+v, want %+v (nothing imported)", after, before)
				}
			})
		}

		t.Run("no file field", func(t *testing.T) {
			body, ct := multipartFile(t, "roster", "ds.csv", good)
			p := mustProblem(t, do(t, srv, "POST", "/api/v1/members/import", tok, body, ct), 422, "/problems/validation")
			if !p.has("file", "required") {
				t.Errorf("got %v, want file required", p.codes())
			}
			var buf bytes.Buffer
			mw := multipart.NewWriter(&buf)
			if err := mw.WriteField("note", "không có tệp"); err != nil {
				t.Fatal(err)
			}
			mw.Close()
			p = mustProblem(t, do(t, srv, "POST", "/api/v1/members/import", tok, buf.Bytes(), mw.FormDataContentType()), 422, "/problems/validation")
			if !p.has("file", "required") {
				t.Errorf("only a text field: got %v, want file required", p.codes())
			}
		})
		t.Run("not multipart", func(t *testing.T) {
			for _, ct := range []string{"text/csv", "application/json", "application/octet-stream", ""} {
				r := do(t, srv, "POST", "/api/v1/members/import", tok, good, ct)
				mustProblem(t, r, 415, "/problems/unsupported-media-type")
			}
			r := do(t, srv, "POST", "/api/v1/members/import", tok, good, "multipart/form-data")
			mustProblem(t, r, 415, "/problems/unsupported-media-type")
		})
		t.Run("oversize", func(t *testing.T) {
			before := mustCount(t, db)
			for _, size := range []int{21 << 20, 20<<20 + 512<<10} {
				// A valid roster made big by a note column, so only the size can refuse it.
				var b bytes.Buffer
				b.WriteString("Mã đảng viên;Họ và tên;Mã tổ chức;Ghi chú\r\nDV-BIG;Nguyễn Văn Lớn;CB-C;")
				b.Write(bytes.Repeat([]byte("a"), size-b.Len()-2))
				b.WriteString("\r\n")
				p := mustProblem(t, upload(t, srv, tok, "lon.csv", b.Bytes()), 422, "/problems/validation")
				if !p.has("file", "file_size") {
					t.Errorf("%d bytes: got %v, want file file_size", size, p.codes())
				}
			}
			if after := mustCount(t, db); after != before {
				t.Errorf("rows: got %+v, want %+v (nothing imported)", after, before)
			}
		})
		t.Run("oversize by a page form", func(t *testing.T) {
			// A page posts the form with its session cookie and the CSRF token as a form
			// field, so the token is read from the body. Reading it must not swallow an
			// unbounded upload first.
			s := mustLogin(t, srv, map[string]string{"login": "admin", "password": password})
			before := mustCount(t, db)
			var buf bytes.Buffer
			mw := multipart.NewWriter(&buf)
			if err := mw.WriteField("_csrf", s.CSRFToken); err != nil {
				t.Fatal(err)
			}
			f, err := mw.CreateFormFile("file", "lon.csv")
			if err != nil {
				t.Fatal(err)
			}
			io.WriteString(f, "Mã đảng viên;Họ và tên;Mã tổ chức;Ghi chú\r\nDV-BIG;Nguyễn Văn Lớn;CB-C;")
			f.Write(bytes.Repeat([]byte("a"), 64<<20))
			mw.Close()
			body := &countingReader{r: bytes.NewReader(buf.Bytes())}
			req := httptest.NewRequest("POST", "/api/v1/members/import", body)
			req.Header.Set("Content-Type", mw.FormDataContentType())
			req.AddCookie(s.Cookie)
			rec := httptest.NewRecorder()
			srv.ServeHTTP(rec, req)
			r := result{Status: rec.Code, Header: rec.Header(), Body: rec.Body.Bytes()}
			if r.Status != 413 && r.Status != 422 {
				t.Errorf("got %s, want 413 or 422", r)
			}
			mustProblem(t, r, r.Status, "")
			if limit := int64(56<<20 + 64<<10); body.n > limit {
				t.Errorf("read %d bytes of the body, want at most %d", body.n, limit)
			}
			if after := mustCount(t, db); after != before {
				t.Errorf("rows: got %+v, want %+v (nothing imported)", after, before)
			}
			// A roster of a normal size goes through the same way.
			buf.Reset()
			mw = multipart.NewWriter(&buf)
			mw.WriteField("_csrf", s.CSRFToken)
			f, _ = mw.CreateFormFile("file", "ds.csv")
			f.Write(good)
			mw.Close()
			r = do(t, srv, "POST", "/api/v1/members/import", "", buf.Bytes(), mw.FormDataContentType(), withCookie(s.Cookie))
			mustStatus(t, r, 200, "import by a page form")
			mustProblem(t, do(t, srv, "POST", "/api/v1/members/import", "", good, "text/csv", withCookie(s.Cookie)), 403, "/problems/csrf")
			for _, m := range roster[:3] {
				mustStatus(t, doJSON(t, srv, "DELETE", fmt.Sprintf("/api/v1/members/%d", byCode(t, srv, tok, w.C.ID)[m.code].ID), tok, nil), 204, "clean up")
			}
		})
		t.Run("roles", func(t *testing.T) {
			body, ct := multipartFile(t, "file", "ds.csv", good)
			for _, tok := range []string{staffLogin(t, srv, "organizer"), staffLogin(t, srv, "supervisor"),
				memberLogin(t, srv, w.SecA.Code), memberLogin(t, srv, w.MemA.Code)} {
				mustProblem(t, do(t, srv, "POST", "/api/v1/members/import", tok, body, ct), 403, "/problems/forbidden")
			}
			mustProblem(t, do(t, srv, "POST", "/api/v1/members/import", "", body, ct), 401, "/problems/unauthenticated")
			if got := byCode(t, srv, tok, w.C.ID); len(got) != 0 {
				t.Errorf("got %d members in chi bộ C, want none", len(got))
			}
		})
	})
}

// TestImport_Concurrent imports one file twice at once: both succeed (or one is told
// of a conflict), no member is created twice, and nothing fails with a 500.
func TestImport_Concurrent(t *testing.T) {
	eachTarget(t, func(t *testing.T, tg testdb.Target) {
		srv, db := mustServer(t, tg)
		w := mustWorld(t, db)
		tok := staffLogin(t, srv, "admin")
		var rows []rosterRow
		for i := range 300 {
			rows = append(rows, rosterRow{fmt.Sprintf("DV-K%03d", i), fmt.Sprintf("Nguyễn Văn Khối %d", i), "CB-C", "", "", ""})
		}
		body, ct := multipartFile(t, "file", "ds.csv", excelCSV(rows))
		for round := range 3 {
			var (
				wg       sync.WaitGroup
				statuses = make([]int, 2)
				bodies   = make([]string, 2)
			)
			for i := range 2 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					req := httptest.NewRequest("POST", "/api/v1/members/import", bytes.NewReader(body))
					req.Header.Set("Content-Type", ct)
					req.Header.Set("Authorization", "Bearer "+tok)
					rec := httptest.NewRecorder()
					srv.ServeHTTP(rec, req)
					b, _ := io.ReadAll(rec.Result().Body)
					statuses[i], bodies[i] = rec.Code, string(b)
				}()
			}
			wg.Wait()
			for i, s := range statuses {
				if s != 200 && s != 409 {
					t.Errorf("round %d import %d: got %d %s, want 200 or 409", round, i, s, bodies[i])
				}
			}
			if statuses[0] != 200 && statuses[1] != 200 {
				t.Errorf("round %d: got %v, want at least one import through", round, statuses)
			}
			if got := byCode(t, srv, tok, w.C.ID); len(got) != len(rows) {
				t.Errorf("round %d: got %d members, want %d", round, len(got), len(rows))
			}
			if l := mustList[idOnly](t, srv, "/api/v1/members?q=DV-K", tok); l.Total != int64(len(rows)) {
				t.Errorf("round %d: got %d members DV-K…, want %d", round, l.Total, len(rows))
			}
		}
	})
}

// utf16 encodes s as UTF-16LE with a byte order mark, as Excel's "Unicode Text" does.
func utf16(s string) []byte {
	out := []byte{0xFF, 0xFE}
	for _, r := range s {
		if r > 0xFFFF {
			r -= 0x10000
			hi, lo := 0xD800+(r>>10), 0xDC00+(r&0x3FF)
			out = append(out, byte(hi), byte(hi>>8), byte(lo), byte(lo>>8))
			continue
		}
		out = append(out, byte(r), byte(r>>8))
	}
	return out
}

// zipOf builds a zip archive holding one file.
func zipOf(t *testing.T, name, content string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	f, err := zw.Create(name)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.WriteString(f, content); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}
