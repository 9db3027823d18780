package api

import (
	"net/http"
	"time"

	"github.com/diemcau/diemcau/attendance"
	"github.com/gin-gonic/gin"
)

// pointJSON is a bridge point as the API shows it.
type pointJSON struct {
	ID              int64     `json:"id"`
	ConferenceID    int64     `json:"conferenceId"`
	Name            string    `json:"name"`
	Location        string    `json:"location"`
	OrganizationIDs []int64   `json:"organizationIds"`
	CreatedAt       time.Time `json:"createdAt"`
	UpdatedAt       time.Time `json:"updatedAt"`
}

func toPoint(p attendance.Point) pointJSON {
	ids := p.OrganizationIDs
	if ids == nil {
		ids = []int64{}
	}
	return pointJSON{ID: p.ID, ConferenceID: p.ConferenceID, Name: p.Name, Location: p.Location,
		OrganizationIDs: ids, CreatedAt: p.CreatedAt, UpdatedAt: p.UpdatedAt}
}

// pointInput is the body of POST and PATCH.
type pointInput struct {
	Name            *string `json:"name"`
	Location        *string `json:"location"`
	OrganizationIDs []int64 `json:"organizationIds"`
}

func (in pointInput) apply(p *attendance.Point) {
	set(&p.Name, in.Name)
	set(&p.Location, in.Location)
	if in.OrganizationIDs != nil {
		p.OrganizationIDs = in.OrganizationIDs
	}
}

// handlePointList handles GET /api/v1/conferences/{id}/points?q=.
func (s *Server) handlePointList() gin.HandlerFunc {
	return func(c *gin.Context) {
		conf, ok := s.conference(c)
		if !ok {
			return
		}
		p, _ := principal(c)
		q := newQuery(c)
		f := attendance.PointFilter{ConferenceID: conf.ID, Query: q.str("q", 100), Scope: p.Scope(), Page: q.page()}
		if err := q.err(); err != nil {
			s.respondError(c, err)
			return
		}
		l, err := s.store.Points(c.Request.Context(), f)
		if err != nil {
			s.respondError(c, err)
			return
		}
		c.JSON(http.StatusOK, toList(l, toPoint))
	}
}

// handlePointCreate handles POST /api/v1/conferences/{id}/points; the members of the
// point's organizations are invited at once.
func (s *Server) handlePointCreate() gin.HandlerFunc {
	return func(c *gin.Context) {
		id, ok := s.idParam(c, "id")
		if !ok {
			return
		}
		in, ok := decode[pointInput](s, c)
		if !ok {
			return
		}
		p := attendance.Point{ConferenceID: id}
		in.apply(&p)
		if err := s.store.CreatePoint(c.Request.Context(), &p); err != nil {
			s.respondError(c, err)
			return
		}
		c.JSON(http.StatusCreated, toPoint(p))
	}
}

// handlePointGet handles GET /api/v1/points/{id}.
func (s *Server) handlePointGet() gin.HandlerFunc {
	return func(c *gin.Context) {
		id, ok := s.idParam(c, "id")
		if !ok {
			return
		}
		pr, _ := principal(c)
		p, err := s.store.Point(c.Request.Context(), pr.Scope(), id)
		if err != nil {
			s.respondError(c, err)
			return
		}
		c.JSON(http.StatusOK, toPoint(p))
	}
}

// handlePointUpdate handles PATCH /api/v1/points/{id}.
func (s *Server) handlePointUpdate() gin.HandlerFunc {
	return func(c *gin.Context) {
		id, ok := s.idParam(c, "id")
		if !ok {
			return
		}
		in, ok := decode[pointInput](s, c)
		if !ok {
			return
		}
		ctx := c.Request.Context()
		p, err := s.store.Point(ctx, attendance.Scope{All: true}, id)
		if err != nil {
			s.respondError(c, err)
			return
		}
		in.apply(&p)
		if err := s.store.UpdatePoint(ctx, &p); err != nil {
			s.respondError(c, err)
			return
		}
		c.JSON(http.StatusOK, toPoint(p))
	}
}

// handlePointDelete handles DELETE /api/v1/points/{id} (scheduled conferences only).
func (s *Server) handlePointDelete() gin.HandlerFunc {
	return s.deleteBy(func(c *gin.Context, id int64) error {
		return s.store.DeletePoint(c.Request.Context(), id)
	})
}
