package api

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/diemcau/diemcau/attendance"
	"github.com/gin-gonic/gin"
)

// supervisionPageRoutes lays out the supervisory committee's pages (docs/design.md
// §14) in the admin area, whose group already requires a staff role: every staff
// role reads the queue and the repeat absentees; only a supervisor reviews; the audit
// log is for administrators and supervisors.
func (s *Server) supervisionPageRoutes(g *gin.RouterGroup) {
	g.GET("", s.pageSupervision())
	g.GET("/repeat", s.pageRepeatAbsentees())
	g.GET("/audit", s.requirePage(attendance.RoleAdmin, attendance.RoleSupervisor), s.pageAudit())
	g.POST("/absences/:id/reviews", s.requirePage(attendance.RoleSupervisor), s.pageReview())
}

// supervisionFilters are the query parameters of the queue, in the order links keep
// them.
var supervisionFilters = []string{"from", "to", "organizationId", "status", "kind", "page"}

// supervisionPage is the committee's queue of requests and decisions.
type supervisionPage struct {
	Section   string // for the admin menu
	Sub       string // for the supervision menu
	Rows      []absenceRow
	Orgs      []orgOption
	Statuses  []string
	Kinds     []string
	Pager     pager
	CanReview bool
	// Back is the queue's query, for the review forms to come back to.
	Back string
}

// supervisionFilter reads the queue's filters: a period of conference start dates (in
// Vietnam's calendar, both days included), an organization, a status and a kind.
func supervisionFilter(c *gin.Context) (attendance.AbsenceFilter, error) {
	f := attendance.AbsenceFilter{Scope: attendance.Scope{All: true}, Page: listPage(c)}
	var bad []attendance.FieldError
	day := func(name string) time.Time {
		v := strings.TrimSpace(c.Query(name))
		if v == "" {
			return time.Time{}
		}
		t, err := time.ParseInLocation("2006-01-02", v, attendance.VietnamTime)
		if err != nil {
			bad = append(bad, attendance.FieldError{Field: name, Code: attendance.CodeInvalid})
		}
		return t
	}
	f.From = day("from")
	if to := day("to"); !to.IsZero() {
		f.To = to.AddDate(0, 0, 1)
	}
	if v := strings.TrimSpace(c.Query("organizationId")); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 {
			bad = append(bad, attendance.FieldError{Field: "organizationId", Code: attendance.CodeInvalid})
		} else {
			f.OrganizationIDs = []int64{n}
		}
	}
	oneOf := func(name string, allowed []string) string {
		v := c.Query(name)
		for _, a := range allowed {
			if v == a {
				return v
			}
		}
		if v != "" {
			bad = append(bad, attendance.FieldError{Field: name, Code: attendance.CodeOneOf, Param: strings.Join(allowed, ",")})
		}
		return ""
	}
	f.Status = attendance.DecisionStatus(oneOf("status", absenceStatuses))
	f.Kind = attendance.AbsenceKind(oneOf("kind", absenceKinds))
	if len(bad) > 0 {
		return f, &attendance.ValidationError{Fields: bad}
	}
	return f, nil
}

// pageSupervision handles GET /{lang}/admin/supervision: every request with its
// reason, documents, decision and reviews, newest first, with the review forms for a
// supervisor.
func (s *Server) pageSupervision() gin.HandlerFunc {
	return func(c *gin.Context) {
		p, _ := principal(c)
		ctx := c.Request.Context()
		d := s.newPage(c, "page.supervision")
		d.Form = filters(c, supervisionFilters...)
		out := supervisionPage{Section: "supervision", Sub: "queue", Statuses: absenceStatuses, Kinds: absenceKinds,
			CanReview: p.Is(attendance.RoleSupervisor), Back: keepQuery(c.Request.URL.Query(), supervisionFilters)}
		idx, err := s.orgIndex(c)
		if err != nil {
			s.pageFail(c, err)
			return
		}
		out.Orgs = idx.options(0)
		d.Data = out
		f, err := supervisionFilter(c)
		if err != nil {
			s.showProblem(c, d, "supervision", err)
			return
		}
		l, err := s.store.Absences(ctx, f)
		if err != nil {
			s.pageFail(c, err)
			return
		}
		out.Rows, err = s.absenceRows(ctx, s.people(ctx), l.Items, s.closedSet(ctx), true)
		if err != nil {
			s.pageFail(c, err)
			return
		}
		for i := range out.Rows {
			out.Rows[i].OrgName = idx.name(out.Rows[i].OrganizationID)
		}
		out.Pager = newPager(c.Request.URL.Path, c.Request.URL.Query(), l.Total, f.Page)
		d.Data = out
		s.render(c, http.StatusOK, "supervision", d)
	}
}

// keepQuery encodes the named parameters of q, dropping the rest.
func keepQuery(q url.Values, names []string) string {
	out := url.Values{}
	for _, n := range names {
		if v := strings.TrimSpace(q.Get(n)); v != "" {
			out.Set(n, v)
		}
	}
	return out.Encode()
}

// pageReview handles POST /{lang}/admin/supervision/absences/{id}/reviews (action,
// note, back: the queue's query).
func (s *Server) pageReview() gin.HandlerFunc {
	return func(c *gin.Context) {
		id, ok := s.pageID(c, "id")
		if !ok {
			return
		}
		back := "/admin/supervision"
		if q, err := url.ParseQuery(c.PostForm("back")); err == nil {
			if kept := keepQuery(q, supervisionFilters); kept != "" {
				back += "?" + kept
			}
		}
		back += "#absence-" + strconv.FormatInt(id, 10)
		action, note := attendance.ReviewAction(c.PostForm("action")), c.PostForm("note")
		var err error
		if !attendance.StorableText(note) {
			err = attendance.Invalid("note", attendance.CodeInvalid, "")
		} else {
			p, _ := principal(c)
			_, err = s.store.ReviewAbsence(c.Request.Context(), p, id, action, note)
		}
		s.afterRequestAction(c, back, "supervision.flash."+string(action), err)
	}
}

// repeatPage lists the repeat absentees of a year.
type repeatPage struct {
	Section   string
	Sub       string
	Year      int
	Threshold int
	Rows      []repeatRow
}

type repeatRow struct {
	repeatAbsenteeJSON
	OrgName string
	Lines   []repeatLine
}

type repeatLine struct {
	memberOutcomeJSON
	When string
}

// pageRepeatAbsentees handles GET /{lang}/admin/supervision/repeat?year=&threshold=.
func (s *Server) pageRepeatAbsentees() gin.HandlerFunc {
	return func(c *gin.Context) {
		d := s.newPage(c, "page.supervision")
		d.Form = filters(c, "year", "threshold")
		out := repeatPage{Section: "supervision", Sub: "repeat"}
		year, threshold, err := s.repeatQuery(d.Form["year"], d.Form["threshold"])
		if err != nil {
			d.Data = out
			s.showProblem(c, d, "supervision_repeat", err)
			return
		}
		out.Year, out.Threshold = year, threshold
		d.Form["year"], d.Form["threshold"] = strconv.Itoa(year), strconv.Itoa(threshold)
		rs, err := s.store.RepeatAbsentees(c.Request.Context(), year, threshold)
		if err != nil {
			s.pageFail(c, err)
			return
		}
		idx, err := s.orgIndex(c)
		if err != nil {
			s.pageFail(c, err)
			return
		}
		for _, r := range rs {
			row := repeatRow{repeatAbsenteeJSON: toRepeatAbsentee(r), OrgName: idx.name(r.OrganizationID)}
			for _, h := range row.History {
				row.Lines = append(row.Lines, repeatLine{memberOutcomeJSON: h, When: vnTime(h.StartsAt)})
			}
			out.Rows = append(out.Rows, row)
		}
		d.Data = out
		s.render(c, http.StatusOK, "supervision_repeat", d)
	}
}

// auditPage shows the audit log and, when asked, the result of verifying it.
type auditPage struct {
	Section  string
	Sub      string
	Verified bool
	Report   auditReportJSON
	Entries  []auditRow
	Pager    pager
}

type auditRow struct {
	auditEntryJSON
	When  string
	Actor string
	// Subject is what the entry is about in words: the member and the point of a
	// check-in, and so on (AuditSubjects).
	Subject string
}

// pageAudit handles GET /{lang}/admin/supervision/audit?verify=1&head=&page=: the
// latest entries of the audit log, and when asked the verification of its hash chain,
// with the head the user noted down (from "diemcau audit verify" or a closed
// conference's report), if any. A head that cannot be read gives the page again with
// the problem, unverified.
func (s *Server) pageAudit() gin.HandlerFunc {
	return func(c *gin.Context) {
		ctx := c.Request.Context()
		d := s.newPage(c, "page.supervision")
		status := http.StatusOK
		out := auditPage{Section: "supervision", Sub: "audit"}
		if c.Query("verify") != "" {
			q := newQuery(c)
			heads := q.auditHeads("head")
			if err := q.err(); err != nil {
				p := s.problemFor(err, d.Lang)
				d.Problem, d.Form, status = &p, map[string]string{"head": c.Query("head")}, p.Status
			} else {
				r, err := s.store.VerifyAudit(ctx, heads...)
				if err != nil {
					s.pageFail(c, err)
					return
				}
				out.Verified, out.Report = true, toAuditReport(r)
				if len(heads) > 0 {
					d.Form = map[string]string{"head": heads[0].String()}
				}
			}
		}
		page := listPage(c)
		l, err := s.store.AuditEntries(ctx, attendance.AuditFilter{Page: page})
		if err != nil {
			s.pageFail(c, err)
			return
		}
		names := s.people(ctx)
		subjects, err := s.store.AuditSubjects(ctx, l.Items)
		if err != nil {
			s.pageFail(c, err)
			return
		}
		for _, e := range l.Items {
			out.Entries = append(out.Entries, auditRow{auditEntryJSON: toAuditEntry(e), When: vnTime(e.At),
				Actor: names.name(e.ActorAccountID, e.ActorMemberID), Subject: subjects[e.ID]})
		}
		q := c.Request.URL.Query()
		q.Del("verify")
		q.Del("head")
		out.Pager = newPager(c.Request.URL.Path, q, l.Total, page)
		d.Data = out
		s.render(c, status, "supervision_audit", d)
	}
}
