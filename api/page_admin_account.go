package api

import (
	"net/http"
	"slices"

	"github.com/diemcau/diemcau/attendance"
	"github.com/gin-gonic/gin"
)

// pageAccounts handles GET /{lang}/admin/accounts?role=&q=&page=.
func (s *Server) pageAccounts() gin.HandlerFunc {
	type data struct {
		Section string
		Rows    []attendance.Account
		Pager   pager
		Roles   []attendance.Role
	}
	return func(c *gin.Context) {
		d := s.newPage(c, "page.accounts")
		d.Form = filters(c, "role", "q")
		role := attendance.Role(d.Form["role"])
		if !slices.Contains(attendance.StaffRoles, role) {
			role, d.Form["role"] = "", ""
		}
		q := d.Form["q"]
		if len([]rune(q)) > 100 {
			q = string([]rune(q)[:100])
		}
		l, err := s.store.Accounts(c.Request.Context(), role, q, listPage(c))
		if err != nil {
			s.pageFail(c, err)
			return
		}
		d.Data = data{Section: "accounts", Rows: l.Items, Roles: attendance.StaffRoles,
			Pager: newPager(c.Request.URL.Path, c.Request.URL.Query(), l.Total, l.Page)}
		s.render(c, http.StatusOK, "admin_accounts", d)
	}
}

// accountFormData is what the account form shows besides the fields.
type accountFormData struct {
	Section string
	ID      int64
	Roles   []attendance.Role
	// Self is true on the signed-in admin's own account, which keeps its role and
	// stays active.
	Self bool
}

func (s *Server) accountForm(c *gin.Context, d pageData, id int64, status int, err error) {
	me, _ := principal(c)
	d.Data = accountFormData{Section: "accounts", ID: id, Roles: attendance.StaffRoles, Self: id != 0 && me.AccountID == id}
	if err != nil {
		s.showProblem(c, d, "admin_account", err)
		return
	}
	s.render(c, status, "admin_account", d)
}

func accountValues(a attendance.Account) map[string]string {
	v := map[string]string{"login": a.Login, "displayName": a.DisplayName, "role": string(a.Role)}
	if a.Active {
		v["active"] = "on"
	}
	return v
}

// pageAccountNew handles GET /{lang}/admin/accounts/new.
func (s *Server) pageAccountNew() gin.HandlerFunc {
	return func(c *gin.Context) {
		d := s.newPage(c, "page.accountNew")
		d.Form = map[string]string{"role": string(attendance.RoleOrganizer), "active": "on"}
		s.accountForm(c, d, 0, http.StatusOK, nil)
	}
}

// pageAccountCreate handles POST /{lang}/admin/accounts.
func (s *Server) pageAccountCreate() gin.HandlerFunc {
	return func(c *gin.Context) {
		f := newPageForm(c)
		a := attendance.Account{Login: f.str("login"), DisplayName: f.str("displayName"),
			Role: attendance.Role(f.str("role")), Active: true}
		f.values["active"] = "on"
		if err := s.store.CreateAccount(c.Request.Context(), &a, c.PostForm("password")); err != nil {
			d := s.newPage(c, "page.accountNew")
			d.Form = f.values
			s.accountForm(c, d, 0, 0, err)
			return
		}
		s.seeOther(c, "flash.saved", "/admin/accounts")
	}
}

// pageAccountEdit handles GET /{lang}/admin/accounts/{id}.
func (s *Server) pageAccountEdit() gin.HandlerFunc {
	return func(c *gin.Context) {
		id, ok := s.pageID(c, "id")
		if !ok {
			return
		}
		a, err := s.store.Account(c.Request.Context(), id)
		if err != nil {
			s.pageFail(c, err)
			return
		}
		d := s.newPage(c, "page.account")
		d.Title = a.Login
		d.Form = accountValues(a)
		s.accountForm(c, d, id, http.StatusOK, nil)
	}
}

// pageAccountUpdate handles POST /{lang}/admin/accounts/{id}: the display name, role,
// active flag and, when given, a new password. The login stays.
func (s *Server) pageAccountUpdate() gin.HandlerFunc {
	return func(c *gin.Context) {
		id, ok := s.pageID(c, "id")
		if !ok {
			return
		}
		ctx := c.Request.Context()
		a, err := s.store.Account(ctx, id)
		if err != nil {
			s.pageFail(c, err)
			return
		}
		f := newPageForm(c)
		f.values["login"] = a.Login
		a.DisplayName = f.str("displayName")
		a.Role = attendance.Role(f.str("role"))
		a.Active = f.check("active")
		me, _ := principal(c)
		if me.AccountID == id && (a.Role != attendance.RoleAdmin || !a.Active) {
			// An admin cannot lock themselves out, so there is always one admin.
			d := s.newPage(c, "page.account")
			d.Form = f.values
			p := s.problemFor(attendance.Invalid("role", attendance.CodeInvalid, "self"), d.Lang)
			p.Detail = s.i18n.T(d.Lang, "account.selfRole")
			d.Problem = &p
			s.accountForm(c, d, id, p.Status, nil)
			return
		}
		if err := s.store.UpdateAccount(ctx, me, &a, c.PostForm("password")); err != nil {
			d := s.newPage(c, "page.account")
			d.Form = f.values
			s.accountForm(c, d, id, 0, err)
			return
		}
		s.seeOther(c, "flash.saved", "/admin/accounts")
	}
}

// pageAccountDelete handles POST /{lang}/admin/accounts/{id}/delete; nobody deletes
// themselves.
func (s *Server) pageAccountDelete() gin.HandlerFunc {
	return func(c *gin.Context) {
		id, ok := s.pageID(c, "id")
		if !ok {
			return
		}
		ctx := c.Request.Context()
		a, err := s.store.Account(ctx, id)
		if err != nil {
			s.pageFail(c, err)
			return
		}
		if me, _ := principal(c); me.AccountID == id {
			err = attendance.ErrForbidden
		} else {
			err = s.store.DeleteAccount(ctx, id)
		}
		if err != nil {
			d := s.newPage(c, "page.account")
			d.Path = "/admin/accounts/" + idString(id)
			d.Form = accountValues(a)
			p := s.problemFor(err, d.Lang)
			if p.Status == http.StatusNotFound || p.Status >= 500 {
				s.pageFail(c, err)
				return
			}
			d.Problem = &p
			s.explain(&d, err, attendance.ErrForbidden, "account.deleteSelf")
			s.accountForm(c, d, id, p.Status, nil)
			return
		}
		s.seeOther(c, "flash.deleted", "/admin/accounts")
	}
}
