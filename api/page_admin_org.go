package api

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/diemcau/diemcau/attendance"
	"github.com/gin-gonic/gin"
)

// orgIndexCap bounds how many organizations the admin pages load at once for their
// selects and tree: a province has about 70, and past this the lists fall back to
// pages of the store's own order.
const orgIndexCap = 2000

// orgIndex is every organization (up to orgIndexCap), by id and in tree order.
type orgIndex struct {
	byID map[int64]attendance.Organization
	// tree is depth-first, children by name, with each organization's depth.
	tree []orgNode
	// complete is false when there were more organizations than orgIndexCap.
	complete bool
}

type orgNode struct {
	attendance.Organization
	Depth int
}

// orgIndex loads the organizations the caller may see.
func (s *Server) orgIndex(c *gin.Context) (orgIndex, error) {
	p, _ := principal(c)
	x := orgIndex{byID: map[int64]attendance.Organization{}}
	var all []attendance.Organization
	for page := 1; ; page++ {
		l, err := s.store.Organizations(c.Request.Context(), attendance.OrganizationFilter{Scope: p.Scope(),
			Page: attendance.Page{Number: page, Size: attendance.MaxPageSize}})
		if err != nil {
			return x, err
		}
		all = append(all, l.Items...)
		if len(l.Items) == 0 || int64(len(all)) >= l.Total {
			x.complete = true
			break
		}
		if len(all) >= orgIndexCap {
			break
		}
	}
	children := map[int64][]attendance.Organization{}
	var roots []attendance.Organization
	for _, o := range all {
		x.byID[o.ID] = o
	}
	for _, o := range all { // already by name
		if o.ParentID != nil {
			if _, ok := x.byID[*o.ParentID]; ok {
				children[*o.ParentID] = append(children[*o.ParentID], o)
				continue
			}
		}
		roots = append(roots, o)
	}
	seen := map[int64]bool{}
	var walk func(o attendance.Organization, depth int)
	walk = func(o attendance.Organization, depth int) {
		if seen[o.ID] {
			return
		}
		seen[o.ID] = true
		x.tree = append(x.tree, orgNode{Organization: o, Depth: depth})
		for _, ch := range children[o.ID] {
			walk(ch, depth+1)
		}
	}
	for _, r := range roots {
		walk(r, 0)
	}
	return x, nil
}

// name is the organization's name, or its number when it is not in the index.
func (x orgIndex) name(id int64) string {
	if o, ok := x.byID[id]; ok {
		return o.Name
	}
	if id == 0 {
		return ""
	}
	return "#" + strconv.FormatInt(id, 10)
}

// orgOption is one organization in a select.
type orgOption struct {
	ID    string
	Label string
}

// options lists the organizations for a select, indented by depth, leaving out
// exclude and everything under it (an organization cannot sit under itself).
func (x orgIndex) options(exclude int64) []orgOption {
	out := make([]orgOption, 0, len(x.tree))
	skipBelow := -1
	for _, n := range x.tree {
		if skipBelow >= 0 {
			if n.Depth > skipBelow {
				continue
			}
			skipBelow = -1
		}
		if n.ID == exclude {
			skipBelow = n.Depth
			continue
		}
		label := strings.Repeat("\u2003", n.Depth) + n.Name
		if n.Code != nil {
			label += " (" + *n.Code + ")"
		}
		out = append(out, orgOption{ID: idString(n.ID), Label: label})
	}
	return out
}

// orgRow is an organization in the list.
type orgRow struct {
	ID         int64
	Name       string
	Code       string
	Kind       attendance.OrgKind
	ParentID   int64
	ParentName string
	Depth      int
}

func toOrgRow(o attendance.Organization, depth int, idx orgIndex) orgRow {
	r := orgRow{ID: o.ID, Name: o.Name, Code: derefString(o.Code), Kind: o.Kind, Depth: depth}
	if o.ParentID != nil {
		r.ParentID, r.ParentName = *o.ParentID, idx.name(*o.ParentID)
	}
	return r
}

func derefString(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// pageOrganizations handles GET /{lang}/admin/organizations?q=&kind=&parentId=&page=.
func (s *Server) pageOrganizations() gin.HandlerFunc {
	type data struct {
		Section string
		Rows    []orgRow
		Tree    bool
		Pager   pager
		Parents []orgOption
	}
	return func(c *gin.Context) {
		p, _ := principal(c)
		d := s.newPage(c, "page.organizations")
		d.Form = filters(c, "q", "kind", "parentId")
		idx, err := s.orgIndex(c)
		if err != nil {
			s.pageFail(c, err)
			return
		}
		page := listPage(c)
		out := data{Section: "organizations", Parents: idx.options(0)}
		kind := attendance.OrgKind(d.Form["kind"])
		if kind != attendance.KindDangBo && kind != attendance.KindChiBo {
			kind, d.Form["kind"] = "", ""
		}
		var parent *int64
		if n, err := strconv.ParseInt(d.Form["parentId"], 10, 64); err == nil && n > 0 {
			parent = &n
		} else {
			d.Form["parentId"] = ""
		}
		if d.Form["q"] == "" && kind == "" && parent == nil && idx.complete {
			// The whole tree, paged here, so each organization sits under its parent.
			out.Tree = true
			page = page.Clamp()
			from := min(page.Offset(), len(idx.tree))
			to := min(from+page.Size, len(idx.tree))
			for _, n := range idx.tree[from:to] {
				out.Rows = append(out.Rows, toOrgRow(n.Organization, n.Depth, idx))
			}
			out.Pager = newPager(c.Request.URL.Path, c.Request.URL.Query(), int64(len(idx.tree)), page)
		} else {
			q := d.Form["q"]
			if len([]rune(q)) > 100 {
				q = string([]rune(q)[:100])
			}
			l, err := s.store.Organizations(c.Request.Context(), attendance.OrganizationFilter{ParentID: parent, Kind: kind,
				Query: q, Scope: p.Scope(), Page: page})
			if err != nil {
				s.pageFail(c, err)
				return
			}
			for _, o := range l.Items {
				out.Rows = append(out.Rows, toOrgRow(o, 0, idx))
			}
			out.Pager = newPager(c.Request.URL.Path, c.Request.URL.Query(), l.Total, l.Page)
		}
		d.Data = out
		s.render(c, http.StatusOK, "admin_organizations", d)
	}
}

// orgFormData is what the organization form shows besides the fields.
type orgFormData struct {
	Section string
	ID      int64
	Parents []orgOption
	// CanEdit is false for the roles that may only look.
	CanEdit bool
	// Reports are the organization's yearly reports, once it exists.
	Reports []reportGroup
}

// orgForm renders the organization form: new when id is 0.
func (s *Server) orgForm(c *gin.Context, d pageData, id int64, status int, err error) {
	p, _ := principal(c)
	idx, ierr := s.orgIndex(c)
	if ierr != nil {
		s.pageFail(c, ierr)
		return
	}
	data := orgFormData{Section: "organizations", ID: id, Parents: idx.options(id), CanEdit: p.Is(attendance.RoleAdmin)}
	if o, ok := idx.byID[id]; ok {
		data.Reports = s.organizationReports(d.Lang, o, s.reportYears()...)
	}
	d.Data = data
	if err != nil {
		s.showProblem(c, d, "admin_organization", err)
		return
	}
	s.render(c, status, "admin_organization", d)
}

// readOrganization copies the form onto o.
func readOrganization(f *pageForm, o *attendance.Organization) {
	o.ParentID = f.optID("parentId")
	code := f.str("code")
	o.Code = &code
	o.Name = f.str("name")
	o.Kind = attendance.OrgKind(f.str("kind"))
}

// pageOrganizationNew handles GET /{lang}/admin/organizations/new?parentId=.
func (s *Server) pageOrganizationNew() gin.HandlerFunc {
	return func(c *gin.Context) {
		d := s.newPage(c, "page.organizationNew")
		d.Form = map[string]string{"parentId": c.Query("parentId"), "kind": string(attendance.KindChiBo)}
		s.orgForm(c, d, 0, http.StatusOK, nil)
	}
}

// pageOrganizationCreate handles POST /{lang}/admin/organizations.
func (s *Server) pageOrganizationCreate() gin.HandlerFunc {
	return func(c *gin.Context) {
		f := newPageForm(c)
		var o attendance.Organization
		readOrganization(f, &o)
		err := f.err(func() error { o.Normalize(); return o.Validate() })
		if err == nil {
			err = s.store.CreateOrganization(c.Request.Context(), &o)
		}
		if err != nil {
			d := s.newPage(c, "page.organizationNew")
			d.Form = f.values
			s.orgForm(c, d, 0, 0, err)
			return
		}
		s.seeOther(c, "flash.saved", "/admin/organizations?q="+urlQueryEscape(o.Name))
	}
}

// pageOrganizationEdit handles GET /{lang}/admin/organizations/{id}.
func (s *Server) pageOrganizationEdit() gin.HandlerFunc {
	return func(c *gin.Context) {
		id, ok := s.pageID(c, "id")
		if !ok {
			return
		}
		p, _ := principal(c)
		o, err := s.store.Organization(c.Request.Context(), p.Scope(), id)
		if err != nil {
			s.pageFail(c, err)
			return
		}
		d := s.newPage(c, "page.organization")
		d.Title = o.Name
		d.Form = map[string]string{"parentId": optIDString(o.ParentID), "code": derefString(o.Code), "name": o.Name,
			"kind": string(o.Kind)}
		s.orgForm(c, d, id, http.StatusOK, nil)
	}
}

// pageOrganizationUpdate handles POST /{lang}/admin/organizations/{id}.
func (s *Server) pageOrganizationUpdate() gin.HandlerFunc {
	return func(c *gin.Context) {
		id, ok := s.pageID(c, "id")
		if !ok {
			return
		}
		ctx := c.Request.Context()
		o, err := s.store.Organization(ctx, attendance.Scope{All: true}, id)
		if err != nil {
			s.pageFail(c, err)
			return
		}
		name := o.Name
		f := newPageForm(c)
		readOrganization(f, &o)
		err = f.err(func() error { o.Normalize(); return o.Validate() })
		if err == nil {
			err = s.store.UpdateOrganization(ctx, &o)
		}
		if err != nil {
			d := s.newPage(c, "page.organization")
			d.Title = name
			d.Form = f.values
			s.orgForm(c, d, id, 0, err)
			return
		}
		s.seeOther(c, "flash.saved", "/admin/organizations/"+idString(id))
	}
}

// pageOrganizationDelete handles POST /{lang}/admin/organizations/{id}/delete. An
// organization still in use comes back to its form with the 409 problem explained.
func (s *Server) pageOrganizationDelete() gin.HandlerFunc {
	return func(c *gin.Context) {
		id, ok := s.pageID(c, "id")
		if !ok {
			return
		}
		ctx := c.Request.Context()
		o, err := s.store.Organization(ctx, attendance.Scope{All: true}, id)
		if err != nil {
			s.pageFail(c, err)
			return
		}
		if err := s.store.DeleteOrganization(ctx, id); err != nil {
			d := s.newPage(c, "page.organization")
			d.Title = o.Name
			d.Path = "/admin/organizations/" + idString(id)
			d.Form = map[string]string{"parentId": optIDString(o.ParentID), "code": derefString(o.Code), "name": o.Name,
				"kind": string(o.Kind)}
			p := s.problemFor(err, d.Lang)
			d.Problem = &p
			s.explain(&d, err, attendance.ErrConflict, "org.inUse")
			if p.Status == http.StatusNotFound || p.Status >= 500 {
				s.pageFail(c, err)
				return
			}
			s.orgForm(c, d, id, p.Status, nil)
			return
		}
		s.seeOther(c, "flash.deleted", "/admin/organizations")
	}
}
