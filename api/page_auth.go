package api

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/diemcau/diemcau/attendance"
	"github.com/gin-gonic/gin"
)

// pageRoutes lays out the pages of one language.
func (s *Server) pageRoutes(g *gin.RouterGroup, staff []attendance.Role) {
	g.GET("/", s.pageHome())
	g.GET("/login", s.pageLogin())
	g.POST("/login", s.pageLoginSubmit())
	g.POST("/logout", s.pageLogout())
	g.GET("/c/:token", s.pageCheckIn())
	g.POST("/c/:token", s.pageCheckInSubmit())
	g.GET("/m/:token", s.pageMaterials())
	g.GET("/m/:token/d/:doc", s.pageMaterialsOpen())
	g.GET("/console/:id", s.requirePage(attendance.RoleAdmin, attendance.RoleOrganizer, attendance.RoleChair), s.pageConsole())
	s.chairPageRoutes(g.Group("/chair", s.requirePage(attendance.RoleAdmin, attendance.RoleOrganizer, attendance.RoleChair)))
	s.adminPageRoutes(g.Group("/admin", s.requirePage(staff...)))
}

func urlQueryEscape(s string) string { return url.QueryEscape(s) }

// safeNext keeps a post-sign-in redirect on this site: a path, never a URL elsewhere.
func safeNext(next, fallback string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") {
		return fallback
	}
	return next
}

// homePage is a member's own page: their conferences and their own reports.
type homePage struct {
	Items   []conferenceJSON
	Reports []reportGroup
}

// pageHome handles GET /{lang}/: staff go to the admin area; members to their page.
func (s *Server) pageHome() gin.HandlerFunc {
	return func(c *gin.Context) {
		p, ok := principal(c)
		if !ok {
			c.Redirect(http.StatusSeeOther, "/"+lang(c)+"/login")
			return
		}
		http.SetCookie(c.Writer, &http.Cookie{Name: cookieLang, Value: lang(c), Path: "/", MaxAge: 365 * 24 * 3600,
			SameSite: http.SameSiteLaxMode, Secure: s.secureCookies()})
		if p.Staff() {
			c.Redirect(http.StatusSeeOther, "/"+lang(c)+"/admin/")
			return
		}
		d := s.newPage(c, "page.home")
		l, err := s.store.Conferences(c.Request.Context(), attendance.ConferenceFilter{Scope: p.Scope(),
			Page: attendance.Page{Size: 20}})
		if err != nil {
			s.respondError(c, err)
			return
		}
		d.Data = homePage{Items: toList(l, toConference).Items, Reports: s.memberReports(d.Lang, p.MemberID, s.reportYears()...)}
		s.render(c, http.StatusOK, "home", d)
	}
}

// pageLogin handles GET /{lang}/login.
func (s *Server) pageLogin() gin.HandlerFunc {
	return func(c *gin.Context) {
		d := s.newPage(c, "page.login")
		d.Form = map[string]string{"next": c.Query("next"), "mode": c.DefaultQuery("mode", "staff")}
		s.render(c, http.StatusOK, "login", d)
	}
}

// pageLoginSubmit handles POST /{lang}/login: staff (login, password) or member
// (memberCode, pin) sign-in from the form.
func (s *Server) pageLoginSubmit() gin.HandlerFunc {
	return func(c *gin.Context) {
		in := signIn{Login: c.PostForm("login"), Password: c.PostForm("password"),
			MemberCode: c.PostForm("memberCode"), PIN: c.PostForm("pin")}
		mode := "staff"
		if c.PostForm("mode") == "member" {
			mode = "member"
			in.Login, in.Password = "", ""
		} else {
			in.MemberCode, in.PIN = "", ""
		}
		p, _, err := s.startSession(c, in)
		if err != nil {
			d := s.newPage(c, "page.login")
			p := s.problemFor(err, d.Lang)
			if p.Status >= 500 {
				s.respondError(c, err)
				return
			}
			d.Problem = &p
			d.Form = map[string]string{"next": c.PostForm("next"), "mode": mode, "login": in.Login, "memberCode": in.MemberCode}
			s.render(c, p.Status, "login", d)
			return
		}
		// A chair signs in to run their points, so that is where they land; a next
		// page the sign-in was asked for still wins.
		home := "/" + lang(c) + "/"
		if p.Is(attendance.RoleChair) {
			home += "chair/"
		}
		c.Redirect(http.StatusSeeOther, safeNext(c.PostForm("next"), home))
	}
}

// pageLogout handles POST /{lang}/logout.
func (s *Server) pageLogout() gin.HandlerFunc {
	return func(c *gin.Context) {
		if token := c.GetString(ctxToken); token != "" {
			if err := s.store.DeleteSession(c.Request.Context(), token); err != nil {
				s.respondError(c, err)
				return
			}
		}
		s.setSessionCookie(c, "", -1)
		c.Redirect(http.StatusSeeOther, "/"+lang(c)+"/login")
	}
}
