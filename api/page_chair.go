package api

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/diemcau/diemcau/attendance"
	"github.com/diemcau/diemcau/bridge"
	"github.com/gin-gonic/gin"
)

// chairPageRoutes lays out the chair's tools: their points, and for each the live
// roster with manual check-in, undo, confirmation, check-out and roll calls.
func (s *Server) chairPageRoutes(g *gin.RouterGroup) {
	g.GET("/", s.pageChairHome())
	g.GET("/points/:id", s.pageChairPoint())
	g.POST("/points/:id/checkin", s.pageChairAction("checkin"))
	g.POST("/points/:id/rollcall", s.pageChairAction("rollcall"))
	g.POST("/checkins/:cid/:action", s.pageChairCheckInAction())
}

// chairPointLink is a point in the chair's list.
type chairPointLink struct {
	Point      pointJSON
	Conference conferenceJSON
}

// chairHome is the data of the chair's home page.
type chairHome struct {
	// Current are the points of live and scheduled conferences; Past those of the
	// latest ended and closed ones, whose reports stay within reach.
	Current, Past []chairPointLink
	// Reports are the yearly reports of the chair's own organization.
	Reports []reportGroup
}

// pageChairHome handles GET /{lang}/chair/: the points of the caller's current
// conferences and of the latest past ones, and their organization's yearly reports.
func (s *Server) pageChairHome() gin.HandlerFunc {
	return func(c *gin.Context) {
		d := s.newPage(c, "page.chair")
		p, _ := principal(c)
		ctx := c.Request.Context()
		var out chairHome
		for _, st := range []attendance.ConferenceStatus{attendance.StatusLive, attendance.StatusScheduled,
			attendance.StatusEnded, attendance.StatusClosed} {
			size, links := 20, &out.Current
			if st == attendance.StatusEnded || st == attendance.StatusClosed {
				size, links = 5, &out.Past
			}
			confs, err := s.store.Conferences(ctx, attendance.ConferenceFilter{Status: st, Scope: p.Scope(), Page: attendance.Page{Size: size}})
			if err != nil {
				s.respondError(c, err)
				return
			}
			for _, conf := range confs.Items {
				pts, err := s.store.Points(ctx, attendance.PointFilter{ConferenceID: conf.ID, Scope: p.Scope(), Page: attendance.Page{Size: 200}})
				if err != nil {
					s.respondError(c, err)
					return
				}
				for _, pt := range pts.Items {
					*links = append(*links, chairPointLink{Point: toPoint(pt), Conference: toConference(conf)})
				}
			}
		}
		if p.MemberID != 0 {
			m, err := s.store.Member(ctx, p.Scope(), p.MemberID)
			if err != nil {
				s.respondError(c, err)
				return
			}
			org, err := s.store.Organization(ctx, p.Scope(), m.OrganizationID)
			if err != nil {
				s.respondError(c, err)
				return
			}
			out.Reports = s.organizationReports(d.Lang, org, s.reportYears()...)
		}
		d.Data = out
		s.render(c, http.StatusOK, "chair", d)
	}
}

// chairPointPage is the data of a point's roster page.
type chairPointPage struct {
	Point      pointJSON
	Conference conferenceJSON
	Counts     map[string]int // by attendance.RosterStatus
	Expected   int            // invitees less exempt members, as on the console and the board
	Exempt     int
	Entries    []rosterEntryJSON
	RollCalls  []rollCallJSON
	Materials  map[int64]int64 // member id → documents opened
	Documents  int
	Now        time.Time
	// Reports are the point's report and its organizations' of the year.
	Reports []reportGroup
}

// pageChairPoint handles GET /{lang}/chair/points/{id}.
func (s *Server) pageChairPoint() gin.HandlerFunc {
	return func(c *gin.Context) {
		pt, ok := s.chairPoint(c, "id")
		if !ok {
			return
		}
		ctx := c.Request.Context()
		r, err := s.desk.Roster(ctx, pt)
		if err != nil {
			s.respondError(c, err)
			return
		}
		conf := r.Conference
		pg := chairPointPage{Point: toPoint(pt), Conference: toConference(conf), Counts: map[string]int{},
			Expected: r.Expected(), Exempt: r.Exempt, Entries: rosterEntries(r), Materials: map[int64]int64{}, Now: s.now()}
		for st, n := range r.Counts {
			pg.Counts[string(st)] = n
		}
		rcs, err := s.store.RollCalls(ctx, conf.ID, pt.ID)
		if err != nil {
			s.respondError(c, err)
			return
		}
		for _, r := range rcs {
			pg.RollCalls = append(pg.RollCalls, s.toRollCall(r))
		}
		mats, err := s.store.PointMaterials(ctx, pt.ID)
		if err != nil {
			s.respondError(c, err)
			return
		}
		for _, m := range mats {
			pg.Materials[m.MemberID] = m.DocumentsOpened
		}
		docs, err := s.store.Documents(ctx, conf.ID, false)
		if err != nil {
			s.respondError(c, err)
			return
		}
		pg.Documents = len(docs)
		p, _ := principal(c)
		if pg.Reports, err = s.pointReportGroups(ctx, lang(c), p, pt, conf); err != nil {
			s.respondError(c, err)
			return
		}
		d := s.newPage(c, "page.chair")
		d.Title = pt.Name
		d.Data = pg
		s.render(c, http.StatusOK, "chair_point", d)
	}
}

// pageChairAction handles POST /{lang}/chair/points/{id}/checkin (memberId, reason)
// and …/rollcall (windowMinutes), through the desk as the API does.
func (s *Server) pageChairAction(action string) gin.HandlerFunc {
	return func(c *gin.Context) {
		id, err := strconv.ParseInt(c.Param("id"), 10, 64)
		if err != nil || id <= 0 {
			s.renderError(c, http.StatusNotFound)
			return
		}
		p, _ := principal(c)
		ctx := c.Request.Context()
		pt, err := s.desk.ChairPoint(ctx, p, id)
		if err != nil {
			s.respondError(c, err)
			return
		}
		flash := ""
		switch action {
		case "checkin":
			memberID, _ := strconv.ParseInt(c.PostForm("memberId"), 10, 64)
			_, err = s.desk.ManualCheckIn(ctx, p, pt.ID, memberID, c.PostForm("reason"))
			flash = "chair.flash.checkedin"
		case "rollcall":
			minutes, _ := strconv.Atoi(c.PostForm("windowMinutes"))
			_, err = s.desk.StartRollCall(ctx, p, pt.ConferenceID, pt.ID, time.Duration(minutes)*time.Minute)
			flash = "chair.flash.rollcall"
		}
		if errors.Is(err, attendance.ErrNotFound) {
			s.respondError(c, err)
			return
		}
		s.afterChairAction(c, pt.ID, flash, err)
	}
}

// pageChairCheckInAction handles POST /{lang}/chair/checkins/{cid}/{undo|confirm|checkout}.
func (s *Server) pageChairCheckInAction() gin.HandlerFunc {
	return func(c *gin.Context) {
		id, err := strconv.ParseInt(c.Param("cid"), 10, 64)
		if err != nil || id <= 0 {
			s.renderError(c, http.StatusNotFound)
			return
		}
		p, _ := principal(c)
		ci, err := s.desk.ChangeCheckIn(c.Request.Context(), p, id, bridge.Change(c.Param("action")), c.PostForm("reason"))
		if errors.Is(err, attendance.ErrNotFound) {
			s.renderError(c, http.StatusNotFound)
			return
		}
		s.afterChairAction(c, ci.PointID, "chair.flash."+c.Param("action"), err)
	}
}

// afterChairAction redirects back to the point's page with a message, or shows the
// problem there.
func (s *Server) afterChairAction(c *gin.Context, pointID int64, flash string, err error) {
	back := "/" + lang(c) + "/chair/points/" + strconv.FormatInt(pointID, 10)
	if err != nil {
		p := s.problemFor(err, lang(c))
		if p.Status >= 500 {
			s.respondError(c, err)
			return
		}
		msg := "problem." + problemKind(p)
		for _, f := range p.Errors {
			if f.Field == "reason" {
				msg = "chair.flash.reason"
			}
		}
		s.flash(c, msg)
		c.Redirect(http.StatusSeeOther, back)
		return
	}
	s.flash(c, flash)
	c.Redirect(http.StatusSeeOther, back)
}

// problemKind is the last part of a problem's type.
func problemKind(p problem) string {
	for i := len(p.Type) - 1; i >= 0; i-- {
		if p.Type[i] == '/' {
			return p.Type[i+1:]
		}
	}
	return p.Type
}
