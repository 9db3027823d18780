package api

import (
	"net/http"

	"github.com/diemcau/diemcau/attendance"

	"github.com/gin-gonic/gin"
)

// pageView handles GET /{lang}/admin/points/{id}/view: the room seen through its
// console's camera, for organizers and supervisors. Nothing is recorded.
func (s *Server) pageView() gin.HandlerFunc {
	return func(c *gin.Context) {
		pt, ok := s.chairPoint(c, "id")
		if !ok {
			return
		}
		d := s.newPage(c, "page.view")
		d.Title = pt.Name
		d.Data = toPoint(pt)
		c.Header("Cache-Control", "no-store")
		s.render(c, http.StatusOK, "view", d)
	}
}

// pageAdminPoint handles GET /{lang}/admin/points/{id}: a point for staff, where the
// board's names lead: its place, organizations and links — the live roster, the
// camera, the invitations, the printed codes — and its reports. Supervisors, who
// cannot act at a point, read it here.
func (s *Server) pageAdminPoint() gin.HandlerFunc {
	type data struct {
		Section    string
		Point      pointJSON
		Conference conferenceView
		Orgs       []string
		CanAct     bool
		Reports    []reportGroup
	}
	return func(c *gin.Context) {
		pt, ok := s.chairPoint(c, "id")
		if !ok {
			return
		}
		ctx := c.Request.Context()
		p, _ := principal(c)
		conf, err := s.store.Conference(ctx, p.Scope(), pt.ConferenceID)
		if err != nil {
			s.pageFail(c, err)
			return
		}
		d := s.newPage(c, "page.point")
		out := data{Section: "conferences", Point: toPoint(pt), Conference: toConferenceView(conf, orgIndex{}),
			CanAct: p.Is(attendance.RoleAdmin, attendance.RoleOrganizer)}
		orgs, err := s.visibleOrganizations(ctx, p, pt.OrganizationIDs)
		if err != nil {
			s.pageFail(c, err)
			return
		}
		for _, o := range orgs {
			out.Orgs = append(out.Orgs, o.Name)
		}
		if out.Reports, err = s.pointReportGroups(ctx, d.Lang, p, pt, conf); err != nil {
			s.pageFail(c, err)
			return
		}
		d.Title = pt.Name
		d.Data = out
		s.render(c, http.StatusOK, "admin_point", d)
	}
}
