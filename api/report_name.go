package api

import (
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/diemcau/diemcau/attendance"
)

// fileName is what a downloaded report is called: ascii for filename= and name, in
// Vietnamese, for filename* (RFC 6266, RFC 5987). Neither carries the extension.
type fileName struct {
	ascii, name string
}

// with adds a part to both names, as a CSV table adds its own.
func (f fileName) with(asciiPart, namePart string) fileName {
	return fileName{ascii: f.ascii + "-" + asciiPart, name: f.name + " – " + namePart}
}

// The longest a title may run inside a file name, in characters, so the date after it
// survives the 120 (ASCII) and 150 (UTF-8) characters a file name is cut to.
const (
	maxSlug  = 90
	maxTitle = 100
)

// conferenceFileName names the report of conf after its title and its date in
// Vietnam, e.g. bao-cao-hoi-nghi-quan-triet-nghi-quyet-2026-02-07 and "Báo cáo Hội
// nghị quán triệt Nghị quyết 2026-02-07": a folder of reports reads as a list of
// conferences, in order of date for the same title. A title that does not say it is
// a conference gets "hội nghị" before it.
func conferenceFileName(conf attendance.Conference) fileName {
	title := conf.Title
	if !strings.HasPrefix(attendance.Fold(title), "hoi nghi") {
		title = "hội nghị " + title
	}
	date := conf.StartsAt.In(attendance.VietnamTime).Format(time.DateOnly)
	return fileName{ascii: "bao-cao-" + slug(title, maxSlug) + "-" + date,
		name: "Báo cáo " + shorten(title, maxTitle) + " " + date}
}

// pointFileName names the report of one point of conf: the point, then the
// conference and its date.
func pointFileName(pt attendance.Point, conf attendance.Conference) fileName {
	c := conferenceFileName(conf)
	date := conf.StartsAt.In(attendance.VietnamTime).Format(time.DateOnly)
	return fileName{ascii: "bao-cao-" + slug(pt.Name+" "+conf.Title, maxSlug) + "-" + date,
		name: "Báo cáo " + shorten(pt.Name, 60) + " – " + strings.TrimPrefix(c.name, "Báo cáo ")}
}

// memberFileName names a member's report over [from, to): the member, then the year
// when the period is one calendar year, else its first and last days.
func memberFileName(m attendance.Member, from, to time.Time) fileName {
	f, t := from.In(attendance.VietnamTime), to.In(attendance.VietnamTime)
	span := f.Format(time.DateOnly) + "–" + t.Add(-time.Nanosecond).Format(time.DateOnly)
	if f.Equal(time.Date(f.Year(), 1, 1, 0, 0, 0, 0, attendance.VietnamTime)) && t.Equal(f.AddDate(1, 0, 0)) {
		span = strconv.Itoa(f.Year())
	}
	return fileName{ascii: "bao-cao-dang-vien-" + slug(m.Code+" "+m.FullName, maxSlug) + "-" + strings.ReplaceAll(span, "–", "-"),
		name: "Báo cáo đảng viên " + m.FullName + " (" + m.Code + ") " + span}
}

// organizationFileName names the yearly report of org.
func organizationFileName(org attendance.Organization, year int) fileName {
	y := strconv.Itoa(year)
	return fileName{ascii: "bao-cao-nam-" + y + "-" + slug(org.Name, maxSlug),
		name: "Báo cáo năm " + y + " – " + shorten(org.Name, maxTitle)}
}

var nonWord = regexp.MustCompile(`[^a-z0-9]+`)

// slug is s in lower-case ASCII words joined by dashes, cut at a dash to at most n
// characters.
func slug(s string, n int) string {
	out := strings.Trim(nonWord.ReplaceAllString(strings.ToLower(unmarked(s)), "-"), "-")
	if len(out) > n {
		out = out[:n]
		if i := strings.LastIndexByte(out, '-'); i > 0 {
			out = out[:i]
		}
	}
	return out
}

// shorten cuts s to at most n characters at a space, marking the cut with "…".
func shorten(s string, n int) string {
	rs := []rune(s)
	if len(rs) <= n {
		return s
	}
	out := string(rs[:n-1])
	if i := strings.LastIndexByte(out, ' '); i > 0 {
		out = out[:i]
	}
	return out + "…"
}
