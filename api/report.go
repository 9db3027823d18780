package api

import (
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"strings"
	"time"
	"unicode"

	"github.com/diemcau/diemcau/attendance"
	"github.com/gin-gonic/gin"
	"golang.org/x/text/unicode/norm"
)

// The report formats.
const (
	formatJSON = "json"
	formatCSV  = "csv"
	formatXLSX = "xlsx"
	formatPDF  = "pdf"
)

var reportTypes = map[string]string{
	formatCSV:  "text/csv; charset=utf-8",
	formatXLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
	formatPDF:  "application/pdf",
}

// maxMemberReportSpan bounds the period of a member's report.
const maxMemberReportSpan = 5 * 366 * 24 * time.Hour

// tallyJSON counts outcomes. The statuses partition the invitations; attended is
// present + late + leftEarly + delegated; expected is every invitation but the
// exempt; rate is attended ÷ expected, null when nobody is expected.
type tallyJSON struct {
	Invited   int      `json:"invited"`
	Expected  int      `json:"expected"`
	Attended  int      `json:"attended"`
	Present   int      `json:"present"`
	Late      int      `json:"late"`
	LeftEarly int      `json:"leftEarly"`
	Delegated int      `json:"delegated"`
	Excused   int      `json:"excused"`
	Pending   int      `json:"pending"`
	Unexcused int      `json:"unexcused"`
	Exempt    int      `json:"exempt"`
	Rate      *float64 `json:"rate"`
}

func toTally(t attendance.Tally) tallyJSON {
	j := tallyJSON{Invited: t.Invited, Expected: t.Expected(), Attended: t.Attended(), Present: t.Present, Late: t.Late,
		LeftEarly: t.LeftEarly, Delegated: t.Delegated, Excused: t.Excused, Pending: t.Pending, Unexcused: t.Unexcused,
		Exempt: t.Exempt}
	if r, ok := t.Rate(); ok {
		j.Rate = &r
	}
	return j
}

// orgRefJSON names an organization.
type orgRefJSON struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

func toOrgRef(o *attendance.Organization) *orgRefJSON {
	if o == nil {
		return nil
	}
	return &orgRefJSON{ID: o.ID, Name: o.Name}
}

// personJSON names a member.
type personJSON struct {
	MemberID int64               `json:"memberId"`
	Code     string              `json:"code"`
	FullName string              `json:"fullName"`
	Position attendance.Position `json:"position"`
}

// requestJSON is the written record behind an absence: an absence request
// (basis request or explanation) or a delegation. decision is where it stands now;
// decidedAs is what decidedBy decided, which the supervisory committee's overturns
// (who, when, why, what it became) may have flipped.
type requestJSON struct {
	Basis      attendance.Basis            `json:"basis"`
	ID         int64                       `json:"id"`
	Category   *attendance.AbsenceCategory `json:"category"`
	Reason     string                      `json:"reason"`
	Decision   attendance.DecisionStatus   `json:"decision"`
	DecidedAs  *attendance.DecisionStatus  `json:"decidedAs"`
	DecidedBy  *string                     `json:"decidedBy"`
	DecidedAt  *time.Time                  `json:"decidedAt"`
	Note       string                      `json:"note"`
	Overturned bool                        `json:"overturned"`
	Overturns  []overturnJSON              `json:"overturns"`
	FiledAt    time.Time                   `json:"filedAt"`
	Substitute *string                     `json:"substitute"`
}

// overturnJSON is one overturn of a decision by the supervisory committee.
type overturnJSON struct {
	By       string                    `json:"by"`
	At       time.Time                 `json:"at"`
	Reason   string                    `json:"reason"`
	Decision attendance.DecisionStatus `json:"decision"`
}

func toRequest(a attendance.AbsenceRecord) *requestJSON {
	if a.Basis == "" {
		return nil
	}
	j := &requestJSON{Basis: a.Basis, ID: a.RequestID, Reason: a.Reason, Decision: a.Decision, DecidedAt: a.DecidedAt,
		Note: a.Note, Overturned: a.Overturned, Overturns: make([]overturnJSON, len(a.Overturns)), FiledAt: a.FiledAt}
	for i, o := range a.Overturns {
		j.Overturns[i] = overturnJSON{By: o.By, At: o.At.UTC(), Reason: o.Reason, Decision: o.To}
	}
	if a.Category != "" {
		j.Category = &a.Category
	}
	if a.DecidedAt != nil {
		j.DecidedBy = &a.DecidedBy
		as := a.DecidedAs
		if as == "" {
			as = a.Decision
		}
		j.DecidedAs = &as
	}
	if a.Basis == attendance.BasisDelegation {
		j.Substitute = &a.Substitute
	}
	return j
}

type pointSummaryJSON struct {
	PointID  int64  `json:"pointId"`
	Name     string `json:"name"`
	Location string `json:"location"`
	tallyJSON
	Connected       bool                   `json:"connected"`
	Outages         int                    `json:"outages"`
	DowntimeMinutes int                    `json:"downtimeMinutes"`
	Chair           *personJSON            `json:"chair"`
	ChairStatus     attendance.ChairStatus `json:"chairStatus"`
	Flagged         int                    `json:"flagged"`
}

type absenteeJSON struct {
	InvitationID     int64               `json:"invitationId"`
	MemberID         int64               `json:"memberId"`
	MemberCode       string              `json:"memberCode"`
	FullName         string              `json:"fullName"`
	Position         attendance.Position `json:"position"`
	OrganizationID   int64               `json:"organizationId"`
	OrganizationName string              `json:"organizationName"`
	PointID          int64               `json:"pointId"`
	PointName        string              `json:"pointName"`
	Status           attendance.Status   `json:"status"`
	Request          *requestJSON        `json:"request"`
}

// delegateJSON is an invitation answered by an approved substitute: the invitee, the
// substitute, the delegation with its approver, what the approver was warned of and
// the outcome's flags.
type delegateJSON struct {
	InvitationID           int64                          `json:"invitationId"`
	MemberID               int64                          `json:"memberId"`
	MemberCode             string                         `json:"memberCode"`
	FullName               string                         `json:"fullName"`
	PointID                int64                          `json:"pointId"`
	PointName              string                         `json:"pointName"`
	Substitute             personJSON                     `json:"substitute"`
	SubstituteOrganization string                         `json:"substituteOrganization"`
	CheckedInAt            time.Time                      `json:"checkedInAt"`
	Warnings               []attendance.DelegationWarning `json:"warnings"`
	Flags                  []attendance.Flag              `json:"flags"`
	Delegation             *requestJSON                   `json:"delegation"`
}

type flagEntryJSON struct {
	InvitationID int64             `json:"invitationId"`
	MemberID     int64             `json:"memberId"`
	MemberCode   string            `json:"memberCode"`
	FullName     string            `json:"fullName"`
	PointID      int64             `json:"pointId"`
	PointName    string            `json:"pointName"`
	Status       attendance.Status `json:"status"`
	Flag         attendance.Flag   `json:"flag"`
	Detail       string            `json:"detail"`
}

type reportTotalsJSON struct {
	tallyJSON
	Points          int                     `json:"points"`
	Connected       int                     `json:"connected"`
	NeverConnected  int                     `json:"neverConnected"`
	WithOutages     int                     `json:"withOutages"`
	Outages         int                     `json:"outages"`
	DowntimeMinutes int                     `json:"downtimeMinutes"`
	Flagged         int                     `json:"flagged"`
	ChairOK         int                     `json:"chairOk"`
	ChairFlagged    int                     `json:"chairFlagged"`
	ChairNone       int                     `json:"chairNone"`
	Flags           map[attendance.Flag]int `json:"flags"`
}

// conferenceReportJSON is the report of a conference, or of one point (pointId set).
// final tells that the conference is closed: the report is locked.
type conferenceReportJSON struct {
	Conference  conferenceJSON     `json:"conference"`
	Host        *orgRefJSON        `json:"host"`
	HostParent  *orgRefJSON        `json:"hostParent"`
	PointID     *int64             `json:"pointId"`
	GeneratedAt time.Time          `json:"generatedAt"`
	Final       bool               `json:"final"`
	Totals      reportTotalsJSON   `json:"totals"`
	Points      []pointSummaryJSON `json:"points"`
	Absentees   []absenteeJSON     `json:"absentees"`
	Delegates   []delegateJSON     `json:"delegates"`
	Flags       []flagEntryJSON    `json:"flags"`
}

func toConferenceReport(r *attendance.ConferenceReport) conferenceReportJSON {
	t := r.Totals
	j := conferenceReportJSON{Conference: toConference(r.Conference), Host: toOrgRef(r.Host), HostParent: toOrgRef(r.HostParent),
		GeneratedAt: r.GeneratedAt.UTC(), Final: r.Final,
		Totals: reportTotalsJSON{tallyJSON: toTally(t.Tally), Points: t.Points, Connected: t.Connected,
			NeverConnected: t.NeverConnected, WithOutages: t.WithOutages, Outages: t.Outages, DowntimeMinutes: t.DowntimeMinutes,
			Flagged: t.Flagged, ChairOK: t.ChairOK, ChairFlagged: t.ChairFlagged, ChairNone: t.ChairNone,
			Flags: map[attendance.Flag]int{}},
		Points:    make([]pointSummaryJSON, len(r.Points)),
		Absentees: make([]absenteeJSON, len(r.Absentees)),
		Delegates: make([]delegateJSON, len(r.Delegates)),
		Flags:     make([]flagEntryJSON, len(r.Flags)),
	}
	for i := range r.Delegates {
		d := &r.Delegates[i]
		s := d.Substitute
		j.Delegates[i] = delegateJSON{InvitationID: d.InvitationID, MemberID: d.MemberID, MemberCode: d.MemberCode,
			FullName: d.FullName, PointID: d.PointID, PointName: d.PointName,
			Substitute:             personJSON{MemberID: s.MemberID, Code: s.Code, FullName: s.FullName, Position: s.Position},
			SubstituteOrganization: d.SubstituteOrganization, CheckedInAt: d.CheckedInAt.UTC(), Warnings: d.Warnings,
			Flags: d.Flags, Delegation: toRequest(d.AbsenceRecord)}
	}
	if r.PointID != 0 {
		j.PointID = &r.PointID
	}
	for _, f := range t.Flags {
		j.Totals.Flags[f.Flag] = f.N
	}
	for i, p := range r.Points {
		pj := pointSummaryJSON{PointID: p.PointID, Name: p.Name, Location: p.Location, tallyJSON: toTally(p.Tally),
			Connected: p.Connected, Outages: p.Outages, DowntimeMinutes: attendance.DowntimeMinutes(p.Downtime),
			ChairStatus: p.ChairStatus, Flagged: p.Flagged}
		if c := p.Chair; c != nil {
			pj.Chair = &personJSON{MemberID: c.MemberID, Code: c.Code, FullName: c.FullName, Position: c.Position}
		}
		j.Points[i] = pj
	}
	for i := range r.Absentees {
		a := &r.Absentees[i]
		j.Absentees[i] = absenteeJSON{InvitationID: a.InvitationID, MemberID: a.MemberID, MemberCode: a.MemberCode,
			FullName: a.FullName, Position: a.Position, OrganizationID: a.OrganizationID, OrganizationName: a.OrganizationName,
			PointID: a.PointID, PointName: a.PointName, Status: a.Status, Request: toRequest(a.AbsenceRecord)}
	}
	for i, f := range r.Flags {
		j.Flags[i] = flagEntryJSON{InvitationID: f.InvitationID, MemberID: f.MemberID, MemberCode: f.MemberCode,
			FullName: f.FullName, PointID: f.PointID, PointName: f.PointName, Status: f.Status, Flag: f.Flag, Detail: f.Detail}
	}
	return j
}

type memberEntryJSON struct {
	ConferenceID int64             `json:"conferenceId"`
	Title        string            `json:"title"`
	StartsAt     time.Time         `json:"startsAt"`
	EndsAt       time.Time         `json:"endsAt"`
	Final        bool              `json:"final"`
	PointID      int64             `json:"pointId"`
	PointName    string            `json:"pointName"`
	Status       attendance.Status `json:"status"`
	Flags        []attendance.Flag `json:"flags"`
	CheckedInAt  *time.Time        `json:"checkedInAt"`
	Request      *requestJSON      `json:"request"`
}

// memberReportJSON is one member's attendance over [from, to).
type memberReportJSON struct {
	Member struct {
		personJSON
		OrganizationID   int64  `json:"organizationId"`
		OrganizationName string `json:"organizationName"`
	} `json:"member"`
	From        time.Time         `json:"from"`
	To          time.Time         `json:"to"`
	GeneratedAt time.Time         `json:"generatedAt"`
	Totals      tallyJSON         `json:"totals"`
	Entries     []memberEntryJSON `json:"entries"`
}

func toMemberReport(r *attendance.MemberReport) memberReportJSON {
	j := memberReportJSON{From: r.From.UTC(), To: r.To.UTC(), GeneratedAt: r.GeneratedAt.UTC(), Totals: toTally(r.Tally),
		Entries: make([]memberEntryJSON, len(r.Entries))}
	m := r.Member
	j.Member.personJSON = personJSON{MemberID: m.ID, Code: m.Code, FullName: m.FullName, Position: m.Position}
	j.Member.OrganizationID, j.Member.OrganizationName = m.OrganizationID, r.OrganizationName
	for i, e := range r.Entries {
		j.Entries[i] = memberEntryJSON{ConferenceID: e.ConferenceID, Title: e.Title, StartsAt: e.StartsAt, EndsAt: e.EndsAt,
			Final: e.Final, PointID: e.PointID, PointName: e.PointName, Status: e.Status, Flags: e.Flags,
			CheckedInAt: e.CheckedInAt, Request: toRequest(e.AbsenceRecord)}
	}
	return j
}

type organizedJSON struct {
	ConferenceID int64     `json:"conferenceId"`
	Title        string    `json:"title"`
	StartsAt     time.Time `json:"startsAt"`
	Final        bool      `json:"final"`
	HostID       int64     `json:"hostId"`
	HostName     string    `json:"hostName"`
	Points       int       `json:"points"`
	tallyJSON
}

type attendedJSON struct {
	ConferenceID int64     `json:"conferenceId"`
	Title        string    `json:"title"`
	StartsAt     time.Time `json:"startsAt"`
	Final        bool      `json:"final"`
	HostName     string    `json:"hostName"`
	tallyJSON
}

type unitJSON struct {
	OrganizationID int64              `json:"organizationId"`
	Name           string             `json:"name"`
	Kind           attendance.OrgKind `json:"kind"`
	Organized      int                `json:"organized"`
	Conferences    int                `json:"conferences"`
	tallyJSON
}

type positionTallyJSON struct {
	Position attendance.Position `json:"position"`
	tallyJSON
}

// organizationReportJSON is the yearly report of an organization and those under it
// (seed 000).
type organizationReportJSON struct {
	Organization orgRefJSON  `json:"organization"`
	Parent       *orgRefJSON `json:"parent"`
	Year         int         `json:"year"`
	GeneratedAt  time.Time   `json:"generatedAt"`
	Final        bool        `json:"final"`
	Totals       struct {
		Organized   int `json:"organized"`
		Conferences int `json:"conferences"`
		tallyJSON
		ByPosition []positionTallyJSON `json:"byPosition"`
	} `json:"totals"`
	Organized []organizedJSON `json:"organized"`
	Attended  []attendedJSON  `json:"attended"`
	Units     []unitJSON      `json:"units"`
}

func toOrganizationReport(r *attendance.OrganizationYearReport) organizationReportJSON {
	j := organizationReportJSON{Organization: *toOrgRef(&r.Organization), Parent: toOrgRef(r.Parent), Year: r.Year,
		GeneratedAt: r.GeneratedAt.UTC(), Final: r.Final, Organized: make([]organizedJSON, len(r.Organized)),
		Attended: make([]attendedJSON, len(r.Attended)), Units: make([]unitJSON, len(r.Units))}
	j.Totals.Organized, j.Totals.Conferences, j.Totals.tallyJSON = r.Totals.Organized, r.Totals.Conferences, toTally(r.Totals.Tally)
	j.Totals.ByPosition = make([]positionTallyJSON, len(r.Totals.ByPosition))
	for i, p := range r.Totals.ByPosition {
		j.Totals.ByPosition[i] = positionTallyJSON{Position: p.Position, tallyJSON: toTally(p.Tally)}
	}
	for i, l := range r.Organized {
		j.Organized[i] = organizedJSON{ConferenceID: l.ConferenceID, Title: l.Title, StartsAt: l.StartsAt, Final: l.Final,
			HostID: l.HostID, HostName: l.HostName, Points: l.Points, tallyJSON: toTally(l.Tally)}
	}
	for i, l := range r.Attended {
		j.Attended[i] = attendedJSON{ConferenceID: l.ConferenceID, Title: l.Title, StartsAt: l.StartsAt, Final: l.Final,
			HostName: l.HostName, tallyJSON: toTally(l.Tally)}
	}
	for i, u := range r.Units {
		j.Units[i] = unitJSON{OrganizationID: u.OrganizationID, Name: u.Name, Kind: u.Kind, Organized: u.Organized,
			Conferences: u.Conferences, tallyJSON: toTally(u.Tally)}
	}
	return j
}

// reportQuery is what a report request asks: the format, the CSV part, and the parts
// of a Party document the record does not hold.
type reportQuery struct {
	format string
	part   string
	doc    attendance.DocumentOptions
}

// reportQuery reads format (default json, one of formats), part (for CSV, one of
// parts, default the first) and, for PDF, place, number and signer. On a bad value it
// answers 422 and returns false.
func (s *Server) reportQuery(c *gin.Context, formats, parts []string, extra func(*query)) (reportQuery, bool) {
	q := newQuery(c)
	r := reportQuery{format: q.oneOf("format", formats...), part: q.oneOf("part", parts...)}
	r.doc = attendance.DocumentOptions{Place: q.str("place", 100), Number: q.str("number", 50), Signer: q.str("signer", 100)}
	if extra != nil {
		extra(q)
	}
	if err := q.err(); err != nil {
		s.respondError(c, err)
		return r, false
	}
	if r.format == "" {
		r.format = formatJSON
	}
	if r.part == "" && len(parts) > 0 {
		r.part = parts[0]
	}
	return r, true
}

var (
	conferenceFormats = []string{formatJSON, formatCSV, formatXLSX, formatPDF}
	memberFormats     = []string{formatJSON, formatCSV}
	// The CSV parts of a conference report; the first is the default.
	conferenceParts   = []string{attendance.PartAbsentees, attendance.PartPoints, attendance.PartDelegates, attendance.PartFlags}
	organizationParts = []string{attendance.OrgPartUnits, attendance.OrgPartOrganized, attendance.OrgPartAttended}
)

// handleConferenceReport handles GET /api/v1/conferences/{id}/report?format=&part=:
// the report of a conference as JSON, CSV (part absentees, points, delegates or flags), XLSX
// or PDF (place, number, signer fill the Party document's blanks).
func (s *Server) handleConferenceReport() gin.HandlerFunc {
	return func(c *gin.Context) {
		conf, ok := s.conference(c)
		if !ok {
			return
		}
		rq, ok := s.reportQuery(c, conferenceFormats, conferenceParts, nil)
		if !ok {
			return
		}
		r, err := s.store.ConferenceReport(c.Request.Context(), conf.ID)
		if err != nil {
			s.respondError(c, err)
			return
		}
		s.sendConferenceReport(c, &r, rq, conferenceFileName(conf))
	}
}

// handlePointReport handles GET /api/v1/points/{id}/report?format=&part=: the
// conference report narrowed to one point, for its chair among others.
func (s *Server) handlePointReport() gin.HandlerFunc {
	return func(c *gin.Context) {
		pt, ok := s.chairPoint(c, "id")
		if !ok {
			return
		}
		rq, ok := s.reportQuery(c, conferenceFormats, conferenceParts, nil)
		if !ok {
			return
		}
		r, err := s.store.PointReport(c.Request.Context(), pt.ID)
		if err != nil {
			s.respondError(c, err)
			return
		}
		s.sendConferenceReport(c, &r, rq, pointFileName(pt, r.Conference))
	}
}

func (s *Server) sendConferenceReport(c *gin.Context, r *attendance.ConferenceReport, rq reportQuery, file fileName) {
	switch rq.format {
	case formatJSON:
		s.sendJSON(c, file, toConferenceReport(r))
		return
	case formatCSV:
		file = file.with(rq.part, csvPartNames[rq.part])
	}
	s.sendFile(c, rq.format, file, func(w io.Writer) error {
		switch rq.format {
		case formatCSV:
			switch rq.part {
			case attendance.PartPoints:
				return attendance.WritePointsCSV(w, r)
			case attendance.PartFlags:
				return attendance.WriteFlagsCSV(w, r)
			case attendance.PartDelegates:
				return attendance.WriteDelegatesCSV(w, r)
			}
			return attendance.WriteAbsenteesCSV(w, r)
		case formatXLSX:
			return attendance.WriteConferenceXLSX(w, r)
		}
		return attendance.WriteConferencePDF(w, r, rq.doc)
	})
}

var csvPartNames = map[string]string{
	attendance.PartAbsentees:    "danh sách vắng",
	attendance.PartPoints:       "tổng hợp điểm cầu",
	attendance.PartFlags:        "cần lưu ý",
	attendance.PartDelegates:    "dự thay",
	attendance.OrgPartUnits:     "theo tổ chức",
	attendance.OrgPartOrganized: "hội nghị đã tổ chức",
	attendance.OrgPartAttended:  "hội nghị được mời",
}

// handleMemberReport handles GET /api/v1/members/{id}/report?from=&to=&format=: a
// member's conferences over [from, to) (RFC 3339 or a date, Vietnam time; by default
// the current calendar year) as JSON or CSV, for staff or the member themselves.
func (s *Server) handleMemberReport() gin.HandlerFunc {
	return func(c *gin.Context) {
		id, ok := s.idParam(c, "id")
		if !ok {
			return
		}
		ctx := c.Request.Context()
		p, _ := principal(c)
		m, err := s.store.Member(ctx, p.Scope(), id)
		if err != nil {
			s.respondError(c, err)
			return
		}
		if !p.Staff() && p.MemberID != m.ID {
			s.respondError(c, attendance.ErrForbidden)
			return
		}
		var from, to time.Time
		year := s.now().In(attendance.VietnamTime).Year()
		rq, ok := s.reportQuery(c, memberFormats, nil, func(q *query) {
			from, to = reportDate(q, "from"), reportDate(q, "to")
			if from.IsZero() {
				from = time.Date(year, 1, 1, 0, 0, 0, 0, attendance.VietnamTime)
			}
			if to.IsZero() {
				to = time.Date(from.In(attendance.VietnamTime).Year()+1, 1, 1, 0, 0, 0, 0, attendance.VietnamTime)
			}
			switch {
			case !to.After(from):
				q.problems = append(q.problems, attendance.FieldError{Field: "to", Code: attendance.CodeOrder, Param: "from"})
			case to.Sub(from) > maxMemberReportSpan:
				q.problems = append(q.problems, attendance.FieldError{Field: "to", Code: attendance.CodeRange, Param: "5y"})
			}
		})
		if !ok {
			return
		}
		r, err := s.store.MemberReport(ctx, m.ID, from, to)
		if err != nil {
			s.respondError(c, err)
			return
		}
		file := memberFileName(m, from, to)
		if rq.format == formatJSON {
			s.sendJSON(c, file, toMemberReport(&r))
			return
		}
		s.sendFile(c, formatCSV, file, func(w io.Writer) error {
			return attendance.WriteMemberCSV(w, &r)
		})
	}
}

// reportDate reads a time parameter that may also be a plain date (Vietnam time).
func reportDate(q *query, name string) time.Time {
	v := q.c.Query(name)
	if t, err := time.ParseInLocation("2006-01-02", v, attendance.VietnamTime); err == nil {
		return t
	}
	return q.time(name)
}

// handleOrganizationReport handles GET /api/v1/organizations/{id}/report?year=&format=&part=:
// the yearly report of an organization and those under it (seed 000), by default for
// the current year, as JSON, CSV (part units, organized or attended), XLSX or PDF.
func (s *Server) handleOrganizationReport() gin.HandlerFunc {
	return func(c *gin.Context) {
		id, ok := s.idParam(c, "id")
		if !ok {
			return
		}
		ctx := c.Request.Context()
		p, _ := principal(c)
		org, err := s.store.Organization(ctx, p.Scope(), id)
		if err != nil {
			s.respondError(c, err)
			return
		}
		year := s.now().In(attendance.VietnamTime).Year()
		rq, ok := s.reportQuery(c, conferenceFormats, organizationParts, func(q *query) {
			if q.c.Query("year") == "" {
				return
			}
			y := q.int64("year")
			if y < 2000 || y > 2100 {
				q.problems = append(q.problems, attendance.FieldError{Field: "year", Code: attendance.CodeRange, Param: "2000-2100"})
			}
			year = int(y)
		})
		if !ok {
			return
		}
		r, err := s.store.OrganizationYearReport(ctx, org.ID, year)
		if err != nil {
			s.respondError(c, err)
			return
		}
		file := organizationFileName(org, year)
		switch rq.format {
		case formatJSON:
			s.sendJSON(c, file, toOrganizationReport(&r))
			return
		case formatCSV:
			file = file.with(rq.part, csvPartNames[rq.part])
		}
		s.sendFile(c, rq.format, file, func(w io.Writer) error {
			switch rq.format {
			case formatCSV:
				return attendance.WriteOrganizationYearCSV(w, &r, rq.part)
			case formatXLSX:
				return attendance.WriteOrganizationYearXLSX(w, &r)
			}
			return attendance.WriteOrganizationYearPDF(w, &r, rq.doc)
		})
	}
}

// sendJSON streams v as the JSON answer, without first building it whole in memory.
// It is named as a file like the other formats, so a page's link to it downloads
// a file named after the report rather than showing "report" in the browser.
func (s *Server) sendJSON(c *gin.Context, file fileName, v any) {
	c.Header("Content-Type", "application/json; charset=utf-8")
	c.Header("Content-Disposition", attachment(file.ascii+"."+formatJSON, file.name+"."+formatJSON))
	c.Header("Cache-Control", "private, no-store")
	c.Status(http.StatusOK)
	if err := json.NewEncoder(c.Writer).Encode(v); err != nil {
		s.log.WarnContext(c.Request.Context(), "report: write json", "route", c.FullPath(), "err", err)
	}
}

// sendFile answers with a file that write produces, as an attachment named file.name
// (and file.ascii for clients without RFC 6266's filename*). The status and headers
// go out with the first bytes, so a writer that fails before writing anything still
// gets a problem answer; CSV rows stream as they are written.
func (s *Server) sendFile(c *gin.Context, format string, file fileName, write func(io.Writer) error) {
	w := &download{c: c, header: func() {
		c.Header("Content-Type", reportTypes[format])
		c.Header("Content-Disposition", attachment(file.ascii+"."+format, file.name+"."+format))
		c.Header("Cache-Control", "private, no-store")
		c.Header("X-Content-Type-Options", "nosniff")
		c.Status(http.StatusOK)
	}}
	err := write(w)
	switch {
	case err == nil:
	case !w.started:
		s.respondError(c, err)
	default:
		// The client went away, or a write failed midway: the status is sent.
		s.log.WarnContext(c.Request.Context(), "report: write "+format, "route", c.FullPath(), "err", err)
	}
}

// download is the response body of a file: it sends the headers with the first write.
type download struct {
	c       *gin.Context
	header  func()
	started bool
}

func (d *download) Write(p []byte) (int, error) {
	if !d.started {
		d.started = true
		d.header()
	}
	return d.c.Writer.Write(p)
}

// attachment is a Content-Disposition for a download (RFC 6266): an ASCII filename
// for old clients, made from ascii, and filename* with the UTF-8 name (RFC 5987).
func attachment(ascii, name string) string {
	return `attachment; filename="` + asciiFileName(ascii) + `"; filename*=UTF-8''` + rfc5987(utf8FileName(name))
}

var unsafeASCII = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// asciiFileName turns s into a plain ASCII file name: Vietnamese letters lose their
// marks (đ becomes d), anything else becomes a dash.
func asciiFileName(s string) string {
	out := strings.Trim(unsafeASCII.ReplaceAllString(unmarked(s), "-"), "-.")
	if len(out) > 120 {
		out = out[len(out)-120:]
	}
	if out == "" {
		out = "bao-cao"
	}
	return out
}

// unmarked is s with the marks taken off its letters, and đ as d.
func unmarked(s string) string {
	var b strings.Builder
	for _, r := range norm.NFD.String(s) {
		switch {
		case unicode.Is(unicode.Mn, r):
		case r == 'đ':
			b.WriteByte('d')
		case r == 'Đ':
			b.WriteByte('D')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// utf8FileName keeps a name's Vietnamese but drops what a file name cannot hold, and
// shortens it to 150 characters, keeping the extension. A slash, as in a document's
// number (57-NQ/TW), becomes a dash rather than running its parts together.
func utf8FileName(s string) string {
	s = strings.Map(func(r rune) rune {
		switch {
		case r == '/', r == '\\':
			return '-'
		case unicode.IsControl(r), strings.ContainsRune(`:*?"<>|`, r):
			return -1
		}
		return r
	}, norm.NFC.String(s))
	if rs := []rune(s); len(rs) > 150 {
		ext := ""
		if i := strings.LastIndexByte(s, '.'); i >= 0 && len(s)-i <= 5 {
			ext = s[i:]
		}
		s = string(rs[:150-len([]rune(ext))]) + ext
	}
	return s
}

// rfc5987 percent-encodes s for an ext-value: every byte but attr-char.
func rfc5987(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		ch := s[i]
		if ch < 0x80 && (unicode.IsLetter(rune(ch)) || unicode.IsDigit(rune(ch)) || strings.IndexByte("!#$&+-.^_`|~", ch) >= 0) {
			b.WriteByte(ch)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[ch>>4])
		b.WriteByte(hex[ch&15])
	}
	return b.String()
}
