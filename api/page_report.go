package api

import (
	"context"
	"errors"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/diemcau/diemcau/attendance"
)

// Pages link to the report routes (docs/design.md §17) with the session cookie: a GET
// needs no CSRF token, and each route checks the caller's role and scope itself, so a
// page only offers what its viewer may open.

// reportKind is one of the report routes.
type reportKind string

const (
	reportConference   reportKind = "conference"
	reportPoint        reportKind = "point"
	reportMember       reportKind = "member"
	reportOrganization reportKind = "organization"
)

// reportOrder is the order pages offer the formats in: the Party document first, the
// raw data last.
var reportOrder = []string{formatPDF, formatXLSX, formatCSV, formatJSON}

// reportFile is one file a report route serves: a format and, for CSV, its table.
type reportFile struct {
	Format, Part string
}

// reportFiles lists every file the route of kind serves, from the formats and parts
// its handler accepts, so a page cannot offer a format the API refuses or miss one it
// accepts.
func reportFiles(kind reportKind) []reportFile {
	formats, parts := conferenceFormats, conferenceParts
	switch kind {
	case reportMember:
		formats, parts = memberFormats, nil
	case reportOrganization:
		parts = organizationParts
	}
	var out []reportFile
	for _, f := range reportOrder {
		if !slices.Contains(formats, f) {
			continue
		}
		if f != formatCSV || len(parts) == 0 {
			out = append(out, reportFile{Format: f})
			continue
		}
		for _, p := range parts {
			out = append(out, reportFile{Format: f, Part: p})
		}
	}
	return out
}

// reportLink is a link to one file of a report.
type reportLink struct {
	Href   string
	Label  string
	Format string
}

// reportGroup is one report with a link to each of its files.
type reportGroup struct {
	Kind  reportKind
	Title string
	Links []reportLink
}

// reportGroup lists the files of the report of kind at path (/api/v1/…/report),
// with the query extra, titled title.
func (s *Server) reportGroup(lang string, kind reportKind, title, path string, extra url.Values) reportGroup {
	g := reportGroup{Kind: kind, Title: title}
	for _, f := range reportFiles(kind) {
		q := url.Values{"format": {f.Format}}
		label := s.i18n.T(lang, "report.format."+f.Format)
		if f.Part != "" {
			q.Set("part", f.Part)
			label = s.i18n.T(lang, "report.csv", map[string]any{"Part": s.i18n.T(lang, "report.part."+f.Part)})
		}
		for k, v := range extra {
			q[k] = v
		}
		g.Links = append(g.Links, reportLink{Href: path + "?" + q.Encode(), Label: label, Format: f.Format})
	}
	return g
}

func (s *Server) conferenceReports(lang string, conf attendance.Conference) reportGroup {
	return s.reportGroup(lang, reportConference, s.i18n.T(lang, "report.conference"),
		"/api/v1/conferences/"+idString(conf.ID)+"/report", nil)
}

func (s *Server) pointReports(lang string, pt attendance.Point) reportGroup {
	return s.reportGroup(lang, reportPoint, s.i18n.T(lang, "report.point", map[string]any{"Name": pt.Name}),
		"/api/v1/points/"+idString(pt.ID)+"/report", nil)
}

// memberReports lists a member's report for each of years, a calendar year each.
func (s *Server) memberReports(lang string, memberID int64, years ...int) []reportGroup {
	var out []reportGroup
	for _, y := range years {
		from := time.Date(y, 1, 1, 0, 0, 0, 0, attendance.VietnamTime).Format(time.DateOnly)
		to := time.Date(y+1, 1, 1, 0, 0, 0, 0, attendance.VietnamTime).Format(time.DateOnly)
		out = append(out, s.reportGroup(lang, reportMember, s.i18n.T(lang, "report.member", map[string]any{"Year": y}),
			"/api/v1/members/"+idString(memberID)+"/report", url.Values{"from": {from}, "to": {to}}))
	}
	return out
}

// organizationReports lists the yearly reports of org for each of years.
func (s *Server) organizationReports(lang string, org attendance.Organization, years ...int) []reportGroup {
	var out []reportGroup
	for _, y := range years {
		out = append(out, s.reportGroup(lang, reportOrganization,
			s.i18n.T(lang, "report.organization", map[string]any{"Year": y, "Name": org.Name}),
			"/api/v1/organizations/"+idString(org.ID)+"/report", url.Values{"year": {strconv.Itoa(y)}}))
	}
	return out
}

// reportYears are the years a page offers yearly reports for: this one and the last.
func (s *Server) reportYears() []int {
	y := s.now().In(attendance.VietnamTime).Year()
	return []int{y, y - 1}
}

// visibleOrganizations loads the organizations of ids that p may see; those outside
// p's scope are left out, as the report route would refuse them.
func (s *Server) visibleOrganizations(ctx context.Context, p attendance.Principal, ids []int64) ([]attendance.Organization, error) {
	var out []attendance.Organization
	for _, id := range ids {
		o, err := s.store.Organization(ctx, p.Scope(), id)
		switch {
		case errors.Is(err, attendance.ErrNotFound):
			continue
		case err != nil:
			return nil, err
		}
		out = append(out, o)
	}
	return out, nil
}

// pointReportGroups are the reports a point's page offers: the point's, and the
// yearly report of each of its organizations the viewer may see, for the year of
// the conference.
func (s *Server) pointReportGroups(ctx context.Context, lang string, p attendance.Principal, pt attendance.Point,
	conf attendance.Conference) ([]reportGroup, error) {
	orgs, err := s.visibleOrganizations(ctx, p, pt.OrganizationIDs)
	if err != nil {
		return nil, err
	}
	out := []reportGroup{s.pointReports(lang, pt)}
	year := conf.StartsAt.In(attendance.VietnamTime).Year()
	for _, o := range orgs {
		out = append(out, s.organizationReports(lang, o, year)...)
	}
	return out, nil
}
