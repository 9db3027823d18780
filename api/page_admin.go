package api

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/diemcau/diemcau/attendance"
	"github.com/gin-gonic/gin"
)

// adminPageRoutes lays out the admin area. The group already requires a staff role;
// writes are limited here to the roles the JSON API allows for the same records:
// the registry (organizations, members, roster import) and accounts to admins,
// conferences, points and invitations to admins and organizers. Supervisors read.
func (s *Server) adminPageRoutes(g *gin.RouterGroup) {
	admin := s.requirePage(attendance.RoleAdmin)
	editor := s.requirePage(attendance.RoleAdmin, attendance.RoleOrganizer)

	g.GET("/", s.pageAdminHome())

	g.GET("/organizations", s.pageOrganizations())
	g.GET("/organizations/new", admin, s.pageOrganizationNew())
	g.POST("/organizations", admin, s.pageOrganizationCreate())
	g.GET("/organizations/:id", s.pageOrganizationEdit())
	g.POST("/organizations/:id", admin, s.pageOrganizationUpdate())
	g.POST("/organizations/:id/delete", admin, s.pageOrganizationDelete())

	g.GET("/members", s.pageMembers())
	g.GET("/members/new", admin, s.pageMemberNew())
	g.POST("/members", admin, s.pageMemberCreate())
	g.GET("/members/:id", s.pageMemberEdit())
	g.POST("/members/:id", admin, s.pageMemberUpdate())
	g.POST("/members/:id/delete", admin, s.pageMemberDelete())
	g.GET("/import", admin, s.pageImport())
	g.POST("/import", admin, s.pageImportSubmit())

	g.GET("/conferences", s.pageConferences())
	g.GET("/conferences/new", editor, s.pageConferenceNew())
	g.POST("/conferences", editor, s.pageConferenceCreate())
	g.GET("/conferences/:id", s.pageConference())
	g.GET("/conferences/:id/edit", editor, s.pageConferenceEdit())
	g.POST("/conferences/:id", editor, s.pageConferenceUpdate())
	g.POST("/conferences/:id/delete", editor, s.pageConferenceDelete())
	for _, action := range []string{"start", "end", "close"} {
		g.POST("/conferences/:id/"+action, editor, s.pageConferenceTransition(action))
	}
	g.POST("/conferences/:id/points", editor, s.pagePointCreate())
	g.POST("/conferences/:id/points/:pid/delete", editor, s.pagePointDelete())
	g.POST("/conferences/:id/documents", editor, s.pageDocumentUpload())
	g.POST("/conferences/:id/documents/:did/delete", editor, s.pageDocumentDelete())
	g.GET("/conferences/:id/invitations", s.pageInvitations())
	g.GET("/conferences/:id/board", s.pageBoard())
	g.GET("/points/:id", s.pageAdminPoint())
	g.GET("/points/:id/view", s.pageView())
	g.POST("/conferences/:id/invitations", editor, s.pageInvitationCreate())
	g.POST("/conferences/:id/invitations/generate", editor, s.pageInvitationsGenerate())
	g.POST("/conferences/:id/invitations/:iid/delete", editor, s.pageInvitationDelete())

	g.GET("/accounts", admin, s.pageAccounts())
	g.GET("/accounts/new", admin, s.pageAccountNew())
	g.POST("/accounts", admin, s.pageAccountCreate())
	g.GET("/accounts/:id", admin, s.pageAccountEdit())
	g.POST("/accounts/:id", admin, s.pageAccountUpdate())
	g.POST("/accounts/:id/delete", admin, s.pageAccountDelete())
}

// pageAdminHome handles GET /{lang}/admin/.
func (s *Server) pageAdminHome() gin.HandlerFunc {
	type data struct {
		Section       string
		Organizations int64
		Members       int64
		Conferences   int64
		Accounts      int64
		Live          []conferenceView
	}
	return func(c *gin.Context) {
		ctx := c.Request.Context()
		p, _ := principal(c)
		one := attendance.Page{Size: 1}
		out := data{Section: "home"}
		orgs, err := s.store.Organizations(ctx, attendance.OrganizationFilter{Scope: p.Scope(), Page: one})
		if err != nil {
			s.pageFail(c, err)
			return
		}
		members, err := s.store.Members(ctx, attendance.MemberFilter{Scope: p.Scope(), Page: one})
		if err != nil {
			s.pageFail(c, err)
			return
		}
		confs, err := s.store.Conferences(ctx, attendance.ConferenceFilter{Scope: p.Scope(), Page: one})
		if err != nil {
			s.pageFail(c, err)
			return
		}
		out.Organizations, out.Members, out.Conferences = orgs.Total, members.Total, confs.Total
		if p.Is(attendance.RoleAdmin) {
			accounts, err := s.store.Accounts(ctx, "", "", one)
			if err != nil {
				s.pageFail(c, err)
				return
			}
			out.Accounts = accounts.Total
		}
		live, err := s.store.Conferences(ctx, attendance.ConferenceFilter{Status: attendance.StatusLive, Scope: p.Scope(),
			Page: attendance.Page{Size: 20}})
		if err != nil {
			s.pageFail(c, err)
			return
		}
		idx, err := s.orgIndex(c)
		if err != nil {
			s.pageFail(c, err)
			return
		}
		for _, conf := range live.Items {
			out.Live = append(out.Live, toConferenceView(conf, idx))
		}
		d := s.newPage(c, "page.admin")
		d.Data = out
		s.render(c, http.StatusOK, "admin", d)
	}
}

// pageFail shows the error page for err, at the status the one table (errorStatus)
// gives it, as the API would answer: a record that does not exist is 404, bad input
// the store refused is 422 with its fields, a database out of reach 503. Only a 5xx is
// logged, and it never shows its cause.
func (s *Server) pageFail(c *gin.Context, err error) {
	p := s.problemFor(err, lang(c))
	if p.Status >= 500 {
		s.log.ErrorContext(c.Request.Context(), "page failed", "route", c.FullPath(), "err", err)
	}
	s.setRetryAfter(c, p.Status, err)
	switch p.Status {
	case http.StatusNotFound, http.StatusForbidden, http.StatusInternalServerError:
		s.renderError(c, p.Status) // the error page's own words for these
	default:
		s.renderErrorPage(c, p.Status, p.Title, p.Errors)
	}
}

// showProblem re-renders page name with the problem of err at its status (422 for
// bad input, 409 for a record in use, …), or shows the error page when err is not
// about the input.
func (s *Server) showProblem(c *gin.Context, d pageData, name string, err error) {
	p := s.problemFor(err, d.Lang)
	if p.Status == http.StatusNotFound || p.Status >= 500 {
		s.pageFail(c, err)
		return
	}
	s.setRetryAfter(c, p.Status, err)
	d.Problem = &p
	s.render(c, p.Status, name, d)
}

// explain adds a sentence to the problem of err when it is one of the given sentinels,
// so that a refused delete says why in words.
func (s *Server) explain(d *pageData, err error, sentinel error, messageID string) {
	if d.Problem != nil && errors.Is(err, sentinel) {
		d.Problem.Detail = s.i18n.T(d.Lang, messageID)
	}
}

// seeOther answers a successful POST: remember flash for the next page and send the
// browser to path (without the language prefix) with a GET.
func (s *Server) seeOther(c *gin.Context, flashID, path string) {
	if flashID != "" {
		s.flash(c, flashID)
	}
	c.Redirect(http.StatusSeeOther, "/"+lang(c)+path)
}

// pageID reads the positive integer path parameter name; anything else is the 404 page.
func (s *Server) pageID(c *gin.Context, name string) (int64, bool) {
	id, err := strconv.ParseInt(c.Param(name), 10, 64)
	if err != nil || id <= 0 {
		s.renderError(c, http.StatusNotFound)
		return 0, false
	}
	return id, true
}

// pageForm reads a submitted form, keeping every raw value so a form with a problem
// comes back as the user typed it, and collecting the problems of values that do not
// parse.
type pageForm struct {
	c        *gin.Context
	values   map[string]string
	problems []attendance.FieldError
}

func newPageForm(c *gin.Context) *pageForm {
	return &pageForm{c: c, values: map[string]string{}}
}

func (f *pageForm) fail(field, code, param string) {
	f.problems = append(f.problems, attendance.FieldError{Field: field, Code: code, Param: param})
}

// str returns the field as typed; the store trims and checks it.
func (f *pageForm) str(name string) string {
	v := f.c.PostForm(name)
	f.values[name] = v
	return v
}

// id reads a select of records: empty is 0.
func (f *pageForm) id(name string) int64 {
	v := strings.TrimSpace(f.str(name))
	if v == "" {
		return 0
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n <= 0 {
		f.fail(name, attendance.CodeInvalid, "")
		return 0
	}
	return n
}

// optID reads an optional select of records: empty is nil.
func (f *pageForm) optID(name string) *int64 {
	if n := f.id(name); n > 0 {
		return &n
	}
	return nil
}

// ids reads a multiple select of records.
func (f *pageForm) ids(name string) []int64 {
	var out []int64
	for _, v := range f.c.PostFormArray(name) {
		n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		if err != nil || n <= 0 {
			f.fail(name, attendance.CodeInvalid, "")
			continue
		}
		out = append(out, n)
	}
	return out
}

// check reads a checkbox.
func (f *pageForm) check(name string) bool {
	switch f.c.PostForm(name) {
	case "on", "true", "1":
		f.values[name] = "on"
		return true
	}
	f.values[name] = ""
	return false
}

// minutes reads a whole number of minutes.
func (f *pageForm) minutes(name string) time.Duration {
	v := strings.TrimSpace(f.str(name))
	if v == "" {
		f.fail(name, attendance.CodeRequired, "")
		return 0
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		f.fail(name, attendance.CodeInvalid, "")
		return 0
	}
	return time.Duration(n) * time.Minute
}

// when reads a datetime-local field, in Vietnam's time: empty is the zero time, which
// the record's own check reports as required.
func (f *pageForm) when(name string) time.Time {
	v := strings.TrimSpace(f.str(name))
	if v == "" {
		return time.Time{}
	}
	t, err := parseTime(v)
	if err != nil {
		f.fail(name, attendance.CodeInvalid, "")
		return time.Time{}
	}
	return t.UTC()
}

// err returns nil when every value parsed. Otherwise it returns the parse problems
// together with the record's own problems from check, so the user sees them all at
// once, and the caller writes nothing.
func (f *pageForm) err(check func() error) error {
	if len(f.problems) == 0 {
		return nil
	}
	fields := append([]attendance.FieldError(nil), f.problems...)
	var ve *attendance.ValidationError
	if err := check(); errors.As(err, &ve) {
		for _, fe := range ve.Fields {
			if !f.has(fe.Field) {
				fields = append(fields, fe)
			}
		}
	}
	return &attendance.ValidationError{Fields: fields}
}

func (f *pageForm) has(field string) bool {
	for _, p := range f.problems {
		if p.Field == field {
			return true
		}
	}
	return false
}

// pager is the paging bar under a list.
type pager struct {
	Page, Pages int
	Total       int64
	Prev, Next  string
}

// newPager links the pages of a list at path with the query q (its filters).
func newPager(path string, q url.Values, total int64, p attendance.Page) pager {
	p = p.Clamp()
	pages := int((total + int64(p.Size) - 1) / int64(p.Size))
	if pages < 1 {
		pages = 1
	}
	out := pager{Page: p.Number, Pages: pages, Total: total}
	link := func(n int) string {
		v := url.Values{}
		for k, vs := range q {
			if k != "page" && len(vs) > 0 && vs[0] != "" {
				v.Set(k, vs[0])
			}
		}
		if n > 1 {
			v.Set("page", strconv.Itoa(n))
		}
		if len(v) == 0 {
			return path
		}
		return path + "?" + v.Encode()
	}
	if p.Number > 1 {
		out.Prev = link(min(p.Number-1, pages))
	}
	if p.Number < pages {
		out.Next = link(p.Number + 1)
	}
	return out
}

// listPage reads the page number of a list; anything odd is the first page.
func listPage(c *gin.Context) attendance.Page {
	n, err := strconv.Atoi(c.Query("page"))
	if err != nil || n < 1 {
		n = 1
	}
	return attendance.Page{Number: n, Size: attendance.DefaultPageSize}
}

// filters copies the named query parameters into a form map, for the filter bar.
func filters(c *gin.Context, names ...string) map[string]string {
	out := make(map[string]string, len(names))
	for _, n := range names {
		out[n] = strings.TrimSpace(c.Query(n))
	}
	return out
}

// boolFilter reads a yes/no filter: empty is either.
func boolFilter(v string) *bool {
	switch v {
	case "true", "1":
		t := true
		return &t
	case "false", "0":
		f := false
		return &f
	}
	return nil
}

// vnTime shows a time in Vietnam, as people there read it.
func vnTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(attendance.VietnamTime).Format("02/01/2006 15:04")
}

// vnLocal is the value of a datetime-local input for t, in Vietnam's time.
func vnLocal(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(attendance.VietnamTime).Format("2006-01-02T15:04")
}

func idString(id int64) string {
	if id == 0 {
		return ""
	}
	return strconv.FormatInt(id, 10)
}

func optIDString(id *int64) string {
	if id == nil {
		return ""
	}
	return idString(*id)
}
