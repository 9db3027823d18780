package api

import (
	"net/http"
	"time"

	"github.com/diemcau/diemcau/attendance"
	"github.com/gin-gonic/gin"
)

// organizationJSON is an organization as the API shows it.
type organizationJSON struct {
	ID        int64              `json:"id"`
	ParentID  *int64             `json:"parentId"`
	Code      *string            `json:"code"`
	Name      string             `json:"name"`
	Kind      attendance.OrgKind `json:"kind"`
	CreatedAt time.Time          `json:"createdAt"`
	UpdatedAt time.Time          `json:"updatedAt"`
}

func toOrganization(o attendance.Organization) organizationJSON {
	return organizationJSON{ID: o.ID, ParentID: o.ParentID, Code: o.Code, Name: o.Name, Kind: o.Kind,
		CreatedAt: o.CreatedAt, UpdatedAt: o.UpdatedAt}
}

// organizationInput is the body of POST and PATCH; in a PATCH, absent fields keep
// their value and a null parentId or code clears it.
type organizationInput struct {
	ParentID nullable[int64]     `json:"parentId"`
	Code     nullable[string]    `json:"code"`
	Name     *string             `json:"name"`
	Kind     *attendance.OrgKind `json:"kind"`
}

func (in organizationInput) apply(o *attendance.Organization) {
	if in.ParentID.Set {
		o.ParentID = in.ParentID.Value
	}
	if in.Code.Set {
		o.Code = in.Code.Value
	}
	set(&o.Name, in.Name)
	set(&o.Kind, in.Kind)
}

// handleOrganizationList handles GET /api/v1/organizations?parentId=&roots=&kind=&q=&page=&pageSize=.
func (s *Server) handleOrganizationList() gin.HandlerFunc {
	return func(c *gin.Context) {
		p, _ := principal(c)
		q := newQuery(c)
		roots := q.bool("roots")
		f := attendance.OrganizationFilter{
			ParentID: q.optInt64("parentId"),
			Roots:    roots != nil && *roots,
			Kind:     attendance.OrgKind(q.oneOf("kind", string(attendance.KindDangBo), string(attendance.KindChiBo))),
			Query:    q.str("q", 100),
			Scope:    p.Scope(),
			Page:     q.page(),
		}
		if err := q.err(); err != nil {
			s.respondError(c, err)
			return
		}
		l, err := s.store.Organizations(c.Request.Context(), f)
		if err != nil {
			s.respondError(c, err)
			return
		}
		c.JSON(http.StatusOK, toList(l, toOrganization))
	}
}

// handleOrganizationGet handles GET /api/v1/organizations/{id}.
func (s *Server) handleOrganizationGet() gin.HandlerFunc {
	return func(c *gin.Context) {
		id, ok := s.idParam(c, "id")
		if !ok {
			return
		}
		p, _ := principal(c)
		o, err := s.store.Organization(c.Request.Context(), p.Scope(), id)
		if err != nil {
			s.respondError(c, err)
			return
		}
		c.JSON(http.StatusOK, toOrganization(o))
	}
}

// handleOrganizationCreate handles POST /api/v1/organizations.
func (s *Server) handleOrganizationCreate() gin.HandlerFunc {
	return func(c *gin.Context) {
		in, ok := decode[organizationInput](s, c)
		if !ok {
			return
		}
		var o attendance.Organization
		in.apply(&o)
		if err := s.store.CreateOrganization(c.Request.Context(), &o); err != nil {
			s.respondError(c, err)
			return
		}
		c.JSON(http.StatusCreated, toOrganization(o))
	}
}

// handleOrganizationUpdate handles PATCH /api/v1/organizations/{id}.
func (s *Server) handleOrganizationUpdate() gin.HandlerFunc {
	return func(c *gin.Context) {
		id, ok := s.idParam(c, "id")
		if !ok {
			return
		}
		in, ok := decode[organizationInput](s, c)
		if !ok {
			return
		}
		ctx := c.Request.Context()
		o, err := s.store.Organization(ctx, attendance.Scope{All: true}, id)
		if err != nil {
			s.respondError(c, err)
			return
		}
		in.apply(&o)
		if err := s.store.UpdateOrganization(ctx, &o); err != nil {
			s.respondError(c, err)
			return
		}
		c.JSON(http.StatusOK, toOrganization(o))
	}
}

// handleOrganizationDelete handles DELETE /api/v1/organizations/{id}.
func (s *Server) handleOrganizationDelete() gin.HandlerFunc {
	return s.deleteBy(func(c *gin.Context, id int64) error {
		return s.store.DeleteOrganization(c.Request.Context(), id)
	})
}

// deleteBy makes a DELETE handler: 204 on success, the problem otherwise.
func (s *Server) deleteBy(del func(c *gin.Context, id int64) error) gin.HandlerFunc {
	return func(c *gin.Context) {
		id, ok := s.idParam(c, "id")
		if !ok {
			return
		}
		if err := del(c, id); err != nil {
			s.respondError(c, err)
			return
		}
		c.Status(http.StatusNoContent)
	}
}
