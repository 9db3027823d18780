package api

import (
	"fmt"
	"net/http"
	"strconv"

	"github.com/diemcau/diemcau/attendance"
	"github.com/gin-gonic/gin"
)

// memberRow is a member in the list.
type memberRow struct {
	ID       int64
	Code     string
	FullName string
	OrgID    int64
	OrgName  string
	Position attendance.Position
	Exempt   bool
	Phone    string
	HasPIN   bool
	Active   bool
}

// pageMembers handles GET /{lang}/admin/members?organizationId=&position=&q=&active=&page=.
func (s *Server) pageMembers() gin.HandlerFunc {
	type data struct {
		Section string
		Rows    []memberRow
		Pager   pager
		Orgs    []orgOption
	}
	return func(c *gin.Context) {
		p, _ := principal(c)
		d := s.newPage(c, "page.members")
		d.Form = filters(c, "organizationId", "position", "q", "active")
		idx, err := s.orgIndex(c)
		if err != nil {
			s.pageFail(c, err)
			return
		}
		f := attendance.MemberFilter{Subtree: true, Scope: p.Scope(), Page: listPage(c)}
		if n, err := strconv.ParseInt(d.Form["organizationId"], 10, 64); err == nil && n > 0 {
			f.OrganizationID = n
		} else {
			d.Form["organizationId"] = ""
		}
		if pos := attendance.Position(d.Form["position"]); pos.Valid() {
			f.Position = pos
		} else {
			d.Form["position"] = ""
		}
		if f.Active = boolFilter(d.Form["active"]); f.Active == nil {
			d.Form["active"] = ""
		}
		f.Query = d.Form["q"]
		if len([]rune(f.Query)) > 100 {
			f.Query = string([]rune(f.Query)[:100])
		}
		l, err := s.store.Members(c.Request.Context(), f)
		if err != nil {
			s.pageFail(c, err)
			return
		}
		out := data{Section: "members", Orgs: idx.options(0),
			Pager: newPager(c.Request.URL.Path, c.Request.URL.Query(), l.Total, l.Page)}
		for _, m := range l.Items {
			out.Rows = append(out.Rows, memberRow{ID: m.ID, Code: m.Code, FullName: m.FullName, OrgID: m.OrganizationID,
				OrgName: idx.name(m.OrganizationID), Position: m.Position, Exempt: m.Exempt, Phone: m.Phone,
				HasPIN: m.PINHash != "", Active: m.Active})
		}
		d.Data = out
		s.render(c, http.StatusOK, "admin_members", d)
	}
}

// memberFormData is what the member form shows besides the fields.
type memberFormData struct {
	Section string
	ID      int64
	HasPIN  bool
	Orgs    []orgOption
	CanEdit bool
	// Reports are the member's yearly reports, once the member exists.
	Reports []reportGroup
}

// memberForm renders the member form: new when id is 0.
func (s *Server) memberForm(c *gin.Context, d pageData, id int64, hasPIN bool, status int, err error) {
	p, _ := principal(c)
	idx, ierr := s.orgIndex(c)
	if ierr != nil {
		s.pageFail(c, ierr)
		return
	}
	data := memberFormData{Section: "members", ID: id, HasPIN: hasPIN, Orgs: idx.options(0),
		CanEdit: p.Is(attendance.RoleAdmin)}
	if id != 0 {
		data.Reports = s.memberReports(d.Lang, id, s.reportYears()...)
	}
	d.Data = data
	if err != nil {
		s.showProblem(c, d, "admin_member", err)
		return
	}
	s.render(c, status, "admin_member", d)
}

// readMember copies the form onto m and returns the new PIN (empty: keep).
func readMember(f *pageForm, m *attendance.Member) (pin string) {
	m.Code = f.str("code")
	m.FullName = f.str("fullName")
	m.OrganizationID = f.id("organizationId")
	m.Position = attendance.Position(f.str("position"))
	m.Exempt = f.check("exempt")
	m.Phone = f.str("phone")
	m.Active = f.check("active")
	pin = f.c.PostForm("pin") // never shown again
	if pin != "" && !attendance.ValidPIN(pin) {
		f.fail("pin", attendance.CodeInvalid, "")
	}
	return pin
}

func memberValues(m attendance.Member) map[string]string {
	v := map[string]string{"code": m.Code, "fullName": m.FullName, "organizationId": idString(m.OrganizationID),
		"position": string(m.Position), "phone": m.Phone}
	if m.Exempt {
		v["exempt"] = "on"
	}
	if m.Active {
		v["active"] = "on"
	}
	return v
}

// pageMemberNew handles GET /{lang}/admin/members/new?organizationId=.
func (s *Server) pageMemberNew() gin.HandlerFunc {
	return func(c *gin.Context) {
		d := s.newPage(c, "page.memberNew")
		d.Form = map[string]string{"organizationId": c.Query("organizationId"), "position": string(attendance.PositionMember),
			"active": "on"}
		s.memberForm(c, d, 0, false, http.StatusOK, nil)
	}
}

// pageMemberCreate handles POST /{lang}/admin/members.
func (s *Server) pageMemberCreate() gin.HandlerFunc {
	return func(c *gin.Context) {
		f := newPageForm(c)
		var m attendance.Member
		pin := readMember(f, &m)
		err := f.err(func() error { m.Normalize(); return m.Validate() })
		if err == nil {
			err = s.store.CreateMember(c.Request.Context(), &m, pin)
		}
		if err != nil {
			d := s.newPage(c, "page.memberNew")
			d.Form = f.values
			s.memberForm(c, d, 0, false, 0, err)
			return
		}
		s.seeOther(c, "flash.saved", "/admin/members?q="+urlQueryEscape(m.Code))
	}
}

// pageMemberEdit handles GET /{lang}/admin/members/{id}.
func (s *Server) pageMemberEdit() gin.HandlerFunc {
	return func(c *gin.Context) {
		id, ok := s.pageID(c, "id")
		if !ok {
			return
		}
		p, _ := principal(c)
		m, err := s.store.Member(c.Request.Context(), p.Scope(), id)
		if err != nil {
			s.pageFail(c, err)
			return
		}
		d := s.newPage(c, "page.member")
		d.Title = m.FullName
		d.Form = memberValues(m)
		s.memberForm(c, d, id, m.PINHash != "", http.StatusOK, nil)
	}
}

// pageMemberUpdate handles POST /{lang}/admin/members/{id}.
func (s *Server) pageMemberUpdate() gin.HandlerFunc {
	return func(c *gin.Context) {
		id, ok := s.pageID(c, "id")
		if !ok {
			return
		}
		ctx := c.Request.Context()
		m, err := s.store.Member(ctx, attendance.Scope{All: true}, id)
		if err != nil {
			s.pageFail(c, err)
			return
		}
		hasPIN, name := m.PINHash != "", m.FullName
		f := newPageForm(c)
		pin := readMember(f, &m)
		err = f.err(func() error { m.Normalize(); return m.Validate() })
		if err == nil {
			err = s.store.UpdateMember(ctx, &m, pin)
		}
		if err != nil {
			d := s.newPage(c, "page.member")
			d.Title = name
			d.Form = f.values
			s.memberForm(c, d, id, hasPIN, 0, err)
			return
		}
		s.seeOther(c, "flash.saved", "/admin/members/"+idString(id))
	}
}

// pageMemberDelete handles POST /{lang}/admin/members/{id}/delete. A member who was
// ever invited stays (ErrConflict): the form says to make them inactive instead.
func (s *Server) pageMemberDelete() gin.HandlerFunc {
	return func(c *gin.Context) {
		id, ok := s.pageID(c, "id")
		if !ok {
			return
		}
		ctx := c.Request.Context()
		m, err := s.store.Member(ctx, attendance.Scope{All: true}, id)
		if err != nil {
			s.pageFail(c, err)
			return
		}
		if err := s.store.DeleteMember(ctx, id); err != nil {
			d := s.newPage(c, "page.member")
			d.Title = m.FullName
			d.Path = "/admin/members/" + idString(id)
			d.Form = memberValues(m)
			p := s.problemFor(err, d.Lang)
			if p.Status == http.StatusNotFound || p.Status >= 500 {
				s.pageFail(c, err)
				return
			}
			d.Problem = &p
			s.explain(&d, err, attendance.ErrConflict, "member.inUse")
			s.memberForm(c, d, id, m.PINHash != "", p.Status, nil)
			return
		}
		s.seeOther(c, "flash.deleted", "/admin/members")
	}
}

// cookieImport carries the counts of a finished import to the page the browser is
// sent to, as the flash does for a message.
const cookieImport = "diemcau_import"

// importData is what the import page shows.
type importData struct {
	Section string
	Columns []importColumn
}

// importColumn explains one column of a roster.
type importColumn struct {
	Field    string
	Header   string
	Required bool
}

// importColumns are the roster's columns as the page explains them, in the order a
// roster usually has them. attendance.ParseRoster accepts more spellings.
var importColumns = []importColumn{
	{"code", "Mã đảng viên", true},
	{"fullName", "Họ và tên", true},
	{"organization", "Mã tổ chức", true},
	{"position", "Chức vụ", false},
	{"exempt", "Miễn sinh hoạt", false},
	{"phone", "Điện thoại", false},
	{"pin", "PIN", false},
	{"active", "Hoạt động", false},
}

// pageImport handles GET /{lang}/admin/import.
func (s *Server) pageImport() gin.HandlerFunc {
	return func(c *gin.Context) {
		d := s.newPage(c, "page.import")
		if v, err := c.Cookie(cookieImport); err == nil && v != "" {
			var created, updated int
			if _, err := fmt.Sscanf(v, "%d.%d", &created, &updated); err == nil {
				d.Flash = s.i18n.T(d.Lang, "import.done", map[string]any{"Created": created, "Updated": updated})
			}
			http.SetCookie(c.Writer, &http.Cookie{Name: cookieImport, Path: "/", MaxAge: -1})
		}
		d.Data = importData{Section: "import", Columns: importColumns}
		s.render(c, http.StatusOK, "admin_import", d)
	}
}

// pageImportSubmit handles POST /{lang}/admin/import (multipart field "file"). A file
// with any problem imports nothing; the page lists every problem of every row, worded
// as the API words them (problemFor): line, column, the value found and the rule.
func (s *Server) pageImportSubmit() gin.HandlerFunc {
	return func(c *gin.Context) {
		res, err := s.importRoster(c)
		if err != nil {
			d := s.newPage(c, "page.import")
			d.Data = importData{Section: "import", Columns: importColumns}
			p := s.problemFor(err, d.Lang)
			if p.Status >= 500 {
				s.pageFail(c, err)
				return
			}
			p.Detail = s.i18n.T(d.Lang, "import.nothing")
			d.Problem = &p
			s.render(c, p.Status, "admin_import", d)
			return
		}
		http.SetCookie(c.Writer, &http.Cookie{Name: cookieImport, Value: fmt.Sprintf("%d.%d", res.Created, res.Updated),
			Path: "/", MaxAge: 60, HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: s.secureCookies()})
		s.seeOther(c, "", "/admin/import")
	}
}
