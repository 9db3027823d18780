package api

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"html"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/diemcau/diemcau/attendance"
	"github.com/diemcau/diemcau/internal/testdb"
)

// These tests follow a page's report links as a browser does: with the session cookie
// alone, no bearer token and no CSRF token (docs/design.md §17, §21.2).

// browse serves a GET as a browser signed in as who: the session in its cookie.
func (w *rtWorld) browse(t *testing.T, who, target string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, target, nil)
	req.Header.Set("Accept", "text/html")
	req.AddCookie(&http.Cookie{Name: cookieSession, Value: w.tokens[who]})
	rec := httptest.NewRecorder()
	w.srv.ServeHTTP(rec, req)
	return rec
}

var reportLinkRE = regexp.MustCompile(`<a href="([^"]+)" download data-format="([^"]+)">([^<]+)</a>`)

// pageReportLinks opens page as who and returns its report links by href, with their
// labels.
func (w *rtWorld) pageReportLinks(t *testing.T, who, page string) map[string]string {
	t.Helper()
	rec := w.browse(t, who, page)
	if rec.Code != http.StatusOK {
		t.Fatalf("%s as %s: got %d %.300s", page, who, rec.Code, rec.Body.String())
	}
	out := map[string]string{}
	for _, m := range reportLinkRE.FindAllStringSubmatch(rec.Body.String(), -1) {
		href := html.UnescapeString(m[1])
		u, err := url.Parse(href)
		if err != nil || u.Query().Get("format") != m[2] {
			t.Errorf("%s: link %q says format %q", page, href, m[2])
		}
		out[href] = html.UnescapeString(m[3])
	}
	return out
}

// reportFile is what a report link must download: its names without the extension.
type wantFile struct{ ascii, name string }

// expectedLinks lists the hrefs of every file of the report at path, with the query
// extra, and the file each must download.
func expectedLinks(path, extra string, kind reportKind, base wantFile) map[string]wantFile {
	parts := map[string]string{attendance.PartAbsentees: "danh sách vắng", attendance.PartPoints: "tổng hợp điểm cầu",
		attendance.PartDelegates: "dự thay", attendance.PartFlags: "cần lưu ý", attendance.OrgPartUnits: "theo tổ chức",
		attendance.OrgPartOrganized: "hội nghị đã tổ chức", attendance.OrgPartAttended: "hội nghị được mời"}
	formats := []string{"pdf", "xlsx", "json"}
	var csvParts []string
	switch kind {
	case reportMember:
		formats, csvParts = []string{"json"}, []string{""}
	case reportOrganization:
		csvParts = []string{attendance.OrgPartUnits, attendance.OrgPartOrganized, attendance.OrgPartAttended}
	default:
		csvParts = []string{attendance.PartAbsentees, attendance.PartPoints, attendance.PartDelegates, attendance.PartFlags}
	}
	out := map[string]wantFile{}
	for _, f := range formats {
		q, _ := url.ParseQuery(extra)
		q.Set("format", f)
		out[path+"?"+q.Encode()] = base
	}
	for _, p := range csvParts {
		q, _ := url.ParseQuery(extra)
		q.Set("format", "csv")
		f := base
		if p != "" {
			q.Set("part", p)
			f = wantFile{ascii: base.ascii + "-" + p, name: base.name + " – " + parts[p]}
		}
		out[path+"?"+q.Encode()] = f
	}
	return out
}

func merge(ms ...map[string]wantFile) map[string]wantFile {
	out := map[string]wantFile{}
	for _, m := range ms {
		for k, v := range m {
			out[k] = v
		}
	}
	return out
}

// followReportLinks checks that page shows who exactly the links of want, and that
// each downloads its file, with the session cookie only, named and typed as it should.
func (w *rtWorld) followReportLinks(t *testing.T, who, page string, want map[string]wantFile) {
	t.Helper()
	got := w.pageReportLinks(t, who, page)
	var gotHrefs, wantHrefs []string
	for h := range got {
		gotHrefs = append(gotHrefs, h)
	}
	for h := range want {
		wantHrefs = append(wantHrefs, h)
	}
	slices.Sort(gotHrefs)
	slices.Sort(wantHrefs)
	if !slices.Equal(gotHrefs, wantHrefs) {
		t.Fatalf("%s as %s links to\n  %s\nwant\n  %s", page, who, strings.Join(gotHrefs, "\n  "), strings.Join(wantHrefs, "\n  "))
	}
	types := map[string]string{"json": "application/json; charset=utf-8", "csv": "text/csv; charset=utf-8",
		"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "pdf": "application/pdf"}
	body := map[string]func([]byte) bool{
		"json": json.Valid,
		"csv":  func(b []byte) bool { return bytes.HasPrefix(b, []byte("\ufeff")) && bytes.Contains(b, []byte("\r\n")) },
		"xlsx": func(b []byte) bool { return bytes.HasPrefix(b, []byte("PK\x03\x04")) },
		"pdf":  func(b []byte) bool { return bytes.HasPrefix(b, []byte("%PDF-")) },
	}
	for href, file := range want {
		u, _ := url.Parse(href)
		format := u.Query().Get("format")
		rec := w.browse(t, who, href)
		if rec.Code != http.StatusOK {
			t.Errorf("%s as %s: got %d %.300s", href, who, rec.Code, rec.Body.String())
			continue
		}
		if ct := rec.Header().Get("Content-Type"); ct != types[format] {
			t.Errorf("%s: Content-Type %q, want %q", href, ct, types[format])
		}
		cd := rec.Header().Get("Content-Disposition")
		wantCD := fmt.Sprintf(`attachment; filename="%s.%s"; filename*=UTF-8''`, file.ascii, format)
		if !strings.HasPrefix(cd, wantCD) {
			t.Errorf("%s: Content-Disposition %q, want it to start %q", href, cd, wantCD)
		}
		if _, params, err := mime.ParseMediaType(cd); err != nil || params["filename"] != file.name+"."+format {
			t.Errorf("%s: filename* decodes to %q (%v), want %q", href, params["filename"], err, file.name+"."+format)
		}
		if !body[format](rec.Body.Bytes()) {
			t.Errorf("%s: the body is not a %s file: %.80q", href, format, rec.Body.Bytes())
		}
	}
}

func TestReportLinks_Pages(t *testing.T) {
	for _, tg := range testdb.Targets(t) {
		t.Run(tg.Name, func(t *testing.T) {
			w := mustReportWorld(t, tg)
			conf := wantFile{ascii: "bao-cao-hoi-nghi-quan-triet-nghi-quyet-dai-hoi-xiv-2026-02-07",
				name: "Báo cáo Hội nghị quán triệt Nghị quyết Đại hội XIV 2026-02-07"}
			confLinks := expectedLinks(fmt.Sprintf("/api/v1/conferences/%d/report", w.conf.ID), "", reportConference, conf)
			pointA := expectedLinks(fmt.Sprintf("/api/v1/points/%d/report", w.pointA.ID), "", reportPoint, wantFile{
				ascii: "bao-cao-diem-cau-ban-tuyen-giao-hoi-nghi-quan-triet-nghi-quyet-dai-hoi-xiv-2026-02-07",
				name:  "Báo cáo Điểm cầu Ban Tuyên giáo – Hội nghị quán triệt Nghị quyết Đại hội XIV 2026-02-07"})
			pointB := expectedLinks(fmt.Sprintf("/api/v1/points/%d/report", w.pointB.ID), "", reportPoint, wantFile{
				ascii: "bao-cao-diem-cau-so-tu-phap-hoi-nghi-quan-triet-nghi-quyet-dai-hoi-xiv-2026-02-07",
				name:  "Báo cáo Điểm cầu Sở Tư pháp – Hội nghị quán triệt Nghị quyết Đại hội XIV 2026-02-07"})
			orgYear := func(o attendance.Organization, slug string, year int) map[string]wantFile {
				return expectedLinks(fmt.Sprintf("/api/v1/organizations/%d/report", o.ID), fmt.Sprintf("year=%d", year),
					reportOrganization, wantFile{ascii: fmt.Sprintf("bao-cao-nam-%d-%s", year, slug),
						name: fmt.Sprintf("Báo cáo năm %d – %s", year, o.Name)})
			}
			host := orgYear(w.root, "dang-uy-khoi-cac-co-quan-tinh", 2026)
			cellA := orgYear(w.a, "chi-bo-ban-tuyen-giao-tinh-uy", 2026)
			cellA2025 := orgYear(w.a, "chi-bo-ban-tuyen-giao-tinh-uy", 2025)
			member := func(m attendance.Member, slug string, year int) map[string]wantFile {
				return expectedLinks(fmt.Sprintf("/api/v1/members/%d/report", m.ID),
					fmt.Sprintf("from=%d-01-01&to=%d-01-01", year, year+1), reportMember,
					wantFile{ascii: fmt.Sprintf("bao-cao-dang-vien-%s-%d", slug, year),
						name: fmt.Sprintf("Báo cáo đảng viên %s (%s) %d", m.FullName, m.Code, year)})
			}
			confPage := fmt.Sprintf("/vi/admin/conferences/%d", w.conf.ID)

			t.Run("conference page", func(t *testing.T) {
				for _, who := range []string{"organizer", "supervisor"} {
					w.followReportLinks(t, who, confPage, merge(confLinks, host, pointA, pointB))
				}
			})
			t.Run("board", func(t *testing.T) {
				w.followReportLinks(t, "supervisor", confPage+"/board", confLinks)
			})
			t.Run("point page for staff", func(t *testing.T) {
				w.followReportLinks(t, "supervisor", fmt.Sprintf("/vi/admin/points/%d", w.pointA.ID), merge(pointA, cellA))
			})
			t.Run("chair's point page", func(t *testing.T) {
				w.followReportLinks(t, "chairA", fmt.Sprintf("/vi/chair/points/%d", w.pointA.ID), merge(pointA, cellA))
				if rec := w.browse(t, "chairA", fmt.Sprintf("/vi/chair/points/%d", w.pointB.ID)); rec.Code != http.StatusNotFound {
					t.Errorf("chair A opening point B: got %d, want 404", rec.Code)
				}
			})
			t.Run("chair's home", func(t *testing.T) {
				w.followReportLinks(t, "chairA", "/vi/chair/", merge(cellA, cellA2025))
			})
			t.Run("member's own page", func(t *testing.T) {
				w.followReportLinks(t, "member", "/vi/", merge(member(w.duc, "dv02-tran-van-duc", 2026),
					member(w.duc, "dv02-tran-van-duc", 2025)))
			})
			t.Run("member and organization pages for staff", func(t *testing.T) {
				w.followReportLinks(t, "supervisor", fmt.Sprintf("/vi/admin/members/%d", w.duc.ID),
					merge(member(w.duc, "dv02-tran-van-duc", 2026), member(w.duc, "dv02-tran-van-duc", 2025)))
				w.followReportLinks(t, "organizer", fmt.Sprintf("/vi/admin/organizations/%d", w.a.ID), merge(cellA, cellA2025))
			})
			t.Run("English", func(t *testing.T) {
				got := w.pageReportLinks(t, "organizer", fmt.Sprintf("/en/admin/conferences/%d/board", w.conf.ID))
				want := map[string]string{"pdf": "PDF (document)", "xlsx": "Excel (XLSX)", "json": "JSON (data)",
					"csv&part=flags": "CSV – flags"}
				for suffix, label := range want {
					found := false
					for href, l := range got {
						if strings.HasSuffix(href, "format="+suffix) || strings.HasSuffix(href, "format=csv&part=flags") && suffix == "csv&part=flags" {
							found = found || l == label
						}
					}
					if !found {
						t.Errorf("English board: no link labelled %q among %v", label, got)
					}
				}
				rec := w.browse(t, "member", "/en/")
				if !strings.Contains(rec.Body.String(), "Your reports") || !strings.Contains(rec.Body.String(), "Conferences in 2026") {
					t.Errorf("English member page lacks its reports:\n%s", rec.Body.String())
				}
			})
			t.Run("after closing", func(t *testing.T) {
				ctx := context.Background()
				w.clk.Set(rtT0.Add(4 * time.Hour))
				for _, a := range []string{"end", "close"} {
					if _, err := w.db.TransitionConference(ctx, w.conf.ID, a); err != nil {
						t.Fatal(err)
					}
				}
				w.followReportLinks(t, "organizer", confPage, merge(confLinks, host, pointA, pointB))
				if b := w.browse(t, "organizer", confPage).Body.String(); !strings.Contains(b, "báo cáo là bản chính thức") {
					t.Errorf("closed conference's page does not say its reports are final")
				}
				// The chair reaches the point of a closed conference from their home.
				home := w.browse(t, "chairA", "/vi/chair/").Body.String()
				past := home[strings.Index(home, `id="past-points"`)+1:]
				if !strings.Contains(home, `id="past-points"`) || !strings.Contains(past, fmt.Sprintf(`/vi/chair/points/%d"`, w.pointA.ID)) {
					t.Errorf("chair's home does not list the closed conference's point:\n%s", home)
				}
				w.followReportLinks(t, "chairA", fmt.Sprintf("/vi/chair/points/%d", w.pointA.ID), merge(pointA, cellA))
			})
		})
	}
}

func TestReportFileNames(t *testing.T) {
	at := func(y int, m time.Month, d int) time.Time {
		return time.Date(y, m, d, 0, 0, 0, 0, attendance.VietnamTime)
	}
	// 23:30 UTC on 6 February is already 7 February in Vietnam.
	starts := time.Date(2026, 2, 6, 23, 30, 0, 0, time.UTC)
	long := "Hội nghị trực tuyến toàn quốc nghiên cứu, học tập, quán triệt, tuyên truyền và triển khai thực hiện " +
		"Nghị quyết Đại hội đại biểu toàn quốc lần thứ XIV của Đảng"
	tests := []struct {
		name       string
		got        fileName
		ascii, utf string
	}{
		{"conference", conferenceFileName(attendance.Conference{Title: "Hội nghị quán triệt", StartsAt: starts}),
			"bao-cao-hoi-nghi-quan-triet-2026-02-07", "Báo cáo Hội nghị quán triệt 2026-02-07"},
		{"title without hội nghị", conferenceFileName(attendance.Conference{Title: "Quán triệt Nghị quyết số 57-NQ/TW", StartsAt: starts}),
			"bao-cao-hoi-nghi-quan-triet-nghi-quyet-so-57-nq-tw-2026-02-07", "Báo cáo hội nghị Quán triệt Nghị quyết số 57-NQ/TW 2026-02-07"},
		{"long title keeps its date", conferenceFileName(attendance.Conference{Title: long, StartsAt: starts}),
			"bao-cao-hoi-nghi-truc-tuyen-toan-quoc-nghien-cuu-hoc-tap-quan-triet-tuyen-truyen-va-trien-khai-2026-02-07",
			"Báo cáo Hội nghị trực tuyến toàn quốc nghiên cứu, học tập, quán triệt, tuyên truyền và triển khai thực… 2026-02-07"},
		{"member, a calendar year", memberFileName(attendance.Member{Code: "DV000646", FullName: "Nguyễn Trọng Nam"}, at(2026, 1, 1), at(2027, 1, 1)),
			"bao-cao-dang-vien-dv000646-nguyen-trong-nam-2026", "Báo cáo đảng viên Nguyễn Trọng Nam (DV000646) 2026"},
		{"member, a period", memberFileName(attendance.Member{Code: "DV02", FullName: "Trần Văn Đức"}, at(2026, 1, 1), at(2026, 7, 1)),
			"bao-cao-dang-vien-dv02-tran-van-duc-2026-01-01-2026-06-30", "Báo cáo đảng viên Trần Văn Đức (DV02) 2026-01-01–2026-06-30"},
		{"organization", organizationFileName(attendance.Organization{Name: "Đảng uỷ Khối các cơ quan tỉnh"}, 2026),
			"bao-cao-nam-2026-dang-uy-khoi-cac-co-quan-tinh", "Báo cáo năm 2026 – Đảng uỷ Khối các cơ quan tỉnh"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got.ascii != tt.ascii || tt.got.name != tt.utf {
				t.Errorf("got %q / %q\nwant %q / %q", tt.got.ascii, tt.got.name, tt.ascii, tt.utf)
			}
			// What goes out in the header is the same, with nothing cut off; a slash,
			// which no file name holds, becomes a dash.
			cd := attachment(tt.got.ascii+".pdf", tt.got.name+".pdf")
			_, params, err := mime.ParseMediaType(cd)
			if err != nil || params["filename"] != strings.ReplaceAll(tt.utf, "/", "-")+".pdf" || !strings.Contains(cd, `filename="`+tt.ascii+`.pdf"`) {
				t.Errorf("Content-Disposition %q (%v)", cd, err)
			}
		})
	}
}
