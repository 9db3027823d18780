package api

import (
	"net/http"
	"strconv"

	"github.com/diemcau/diemcau/attendance"
	"github.com/diemcau/diemcau/bridge"
	"github.com/gin-gonic/gin"
)

// materialsPage is what the materials page shows.
type materialsPage struct {
	Token      string
	PointName  string
	Conference string
	Documents  []documentJSON
	// Reader is the identified member whose openings are recorded, if any.
	Reader  string
	Failure string
}

// materials verifies a materials code and loads its point and conference.
func (s *Server) materials(c *gin.Context, token string) (attendance.Point, attendance.Conference, error) {
	t, err := s.tokens.Verify(token, bridge.KindMaterials, s.now())
	if err != nil {
		return attendance.Point{}, attendance.Conference{}, err
	}
	ctx := c.Request.Context()
	all := attendance.Scope{All: true}
	pt, err := s.store.Point(ctx, all, t.PointID)
	if err != nil {
		return pt, attendance.Conference{}, err
	}
	if pt.ConferenceID != t.ConferenceID {
		return pt, attendance.Conference{}, bridge.ErrTokenConference
	}
	conf, err := s.store.Conference(ctx, all, t.ConferenceID)
	return pt, conf, err
}

// reader is the member a document opening is recorded for: the signed-in member, or
// the phone's one-tap cookie.
func (s *Server) reader(c *gin.Context) int64 {
	if p, ok := principal(c); ok && p.MemberID != 0 {
		return p.MemberID
	}
	m, _ := s.knownMember(c)
	return m.ID
}

// pageMaterials handles GET /{lang}/m/{token}: the point's conference materials.
func (s *Server) pageMaterials() gin.HandlerFunc {
	return func(c *gin.Context) {
		d := s.newPage(c, "page.materials")
		pg := &materialsPage{Token: c.Param("token")}
		d.Data = pg
		pt, conf, err := s.materials(c, pg.Token)
		if err != nil {
			msg, _, status := scanFailure(err)
			if status == 0 {
				s.respondError(c, err)
				return
			}
			pg.Failure = msg
			s.render(c, status, "materials", d)
			return
		}
		pg.PointName, pg.Conference = pt.Name, conf.Title
		ctx := c.Request.Context()
		docs, err := s.store.Documents(ctx, conf.ID, false)
		if err != nil {
			s.respondError(c, err)
			return
		}
		for _, doc := range docs {
			pg.Documents = append(pg.Documents, toDocument(doc))
		}
		if id := s.reader(c); id != 0 {
			if m, err := s.store.Member(ctx, attendance.Scope{All: true}, id); err == nil {
				pg.Reader = m.FullName
			}
		}
		s.render(c, http.StatusOK, "materials", d)
	}
}

// pageMaterialsOpen handles GET /{lang}/m/{token}/d/{doc}: one document of the point's
// conference, with a read receipt for an identified member.
func (s *Server) pageMaterialsOpen() gin.HandlerFunc {
	return func(c *gin.Context) {
		pt, conf, err := s.materials(c, c.Param("token"))
		if err != nil {
			s.respondError(c, err)
			return
		}
		id, err := strconv.ParseInt(c.Param("doc"), 10, 64)
		if err != nil || id <= 0 {
			s.respondError(c, attendance.ErrNotFound)
			return
		}
		doc, err := s.store.Document(c.Request.Context(), id)
		if err != nil {
			s.respondError(c, err)
			return
		}
		if doc.ConferenceID != conf.ID {
			s.respondError(c, attendance.ErrNotFound)
			return
		}
		s.serveDocument(c, doc, s.reader(c), pt.ID)
	}
}
