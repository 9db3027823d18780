package api

import (
	"net/http"
	"time"

	"github.com/diemcau/diemcau/attendance"
	"github.com/gin-gonic/gin"
)

// invitationJSON is an invitation with its member, as the API shows it.
type invitationJSON struct {
	ID             int64                       `json:"id"`
	ConferenceID   int64                       `json:"conferenceId"`
	PointID        int64                       `json:"pointId"`
	PointName      string                      `json:"pointName"`
	MemberID       int64                       `json:"memberId"`
	MemberCode     string                      `json:"memberCode"`
	FullName       string                      `json:"fullName"`
	Position       attendance.Position         `json:"position"`
	Exempt         bool                        `json:"exempt"`
	OrganizationID int64                       `json:"organizationId"`
	Source         attendance.InvitationSource `json:"source"`
	Note           string                      `json:"note"`
	CreatedAt      time.Time                   `json:"createdAt"`
	UpdatedAt      time.Time                   `json:"updatedAt"`
}

func toInvitation(v attendance.InvitationView) invitationJSON {
	return invitationJSON{ID: v.ID, ConferenceID: v.ConferenceID, PointID: v.PointID, PointName: v.PointName,
		MemberID: v.MemberID, MemberCode: v.MemberCode, FullName: v.FullName, Position: v.Position, Exempt: v.Exempt,
		OrganizationID: v.OrganizationID, Source: v.Source, Note: v.Note, CreatedAt: v.CreatedAt, UpdatedAt: v.UpdatedAt}
}

// handleInvitationList handles GET /api/v1/conferences/{id}/invitations?pointId=&memberId=&q=.
func (s *Server) handleInvitationList() gin.HandlerFunc {
	return func(c *gin.Context) {
		conf, ok := s.conference(c)
		if !ok {
			return
		}
		p, _ := principal(c)
		q := newQuery(c)
		f := attendance.InvitationFilter{ConferenceID: conf.ID, PointID: q.int64("pointId"), MemberID: q.int64("memberId"),
			Query: q.str("q", 100), Scope: p.Scope(), Page: q.page()}
		if err := q.err(); err != nil {
			s.respondError(c, err)
			return
		}
		l, err := s.store.Invitations(c.Request.Context(), f)
		if err != nil {
			s.respondError(c, err)
			return
		}
		c.JSON(http.StatusOK, toList(l, toInvitation))
	}
}

// handleInvitationCreate handles POST /api/v1/conferences/{id}/invitations
// {"memberId","pointId","note"}: an invitation added by hand.
func (s *Server) handleInvitationCreate() gin.HandlerFunc {
	type request struct {
		MemberID int64  `json:"memberId"`
		PointID  int64  `json:"pointId"`
		Note     string `json:"note"`
	}
	return func(c *gin.Context) {
		id, ok := s.idParam(c, "id")
		if !ok {
			return
		}
		in, ok := decode[request](s, c)
		if !ok {
			return
		}
		ctx := c.Request.Context()
		inv := attendance.Invitation{ConferenceID: id, MemberID: in.MemberID, PointID: in.PointID, Note: in.Note}
		if err := s.store.CreateInvitation(ctx, &inv); err != nil {
			s.respondError(c, err)
			return
		}
		v, err := s.store.Invitation(ctx, attendance.Scope{All: true}, inv.ID)
		if err != nil {
			s.respondError(c, err)
			return
		}
		c.JSON(http.StatusCreated, toInvitation(v))
	}
}

// handleInvitationGenerate handles POST /api/v1/conferences/{id}/invitations/generate:
// invite the members of every point's organizations who have no invitation yet.
func (s *Server) handleInvitationGenerate() gin.HandlerFunc {
	type response struct {
		Added int64 `json:"added"`
	}
	return func(c *gin.Context) {
		id, ok := s.idParam(c, "id")
		if !ok {
			return
		}
		n, err := s.store.GenerateInvitations(c.Request.Context(), id)
		if err != nil {
			s.respondError(c, err)
			return
		}
		c.JSON(http.StatusOK, response{Added: n})
	}
}

// handleInvitationGet handles GET /api/v1/invitations/{id}.
func (s *Server) handleInvitationGet() gin.HandlerFunc {
	return func(c *gin.Context) {
		id, ok := s.idParam(c, "id")
		if !ok {
			return
		}
		p, _ := principal(c)
		v, err := s.store.Invitation(c.Request.Context(), p.Scope(), id)
		if err != nil {
			s.respondError(c, err)
			return
		}
		c.JSON(http.StatusOK, toInvitation(v))
	}
}

// handleInvitationUpdate handles PATCH /api/v1/invitations/{id} {"pointId","note"}:
// move the member to another point of the conference, or change the note.
func (s *Server) handleInvitationUpdate() gin.HandlerFunc {
	type request struct {
		PointID *int64  `json:"pointId"`
		Note    *string `json:"note"`
	}
	return func(c *gin.Context) {
		id, ok := s.idParam(c, "id")
		if !ok {
			return
		}
		in, ok := decode[request](s, c)
		if !ok {
			return
		}
		ctx := c.Request.Context()
		v, err := s.store.Invitation(ctx, attendance.Scope{All: true}, id)
		if err != nil {
			s.respondError(c, err)
			return
		}
		inv := v.Invitation
		set(&inv.PointID, in.PointID)
		set(&inv.Note, in.Note)
		if err := s.store.UpdateInvitation(ctx, &inv); err != nil {
			s.respondError(c, err)
			return
		}
		if v, err = s.store.Invitation(ctx, attendance.Scope{All: true}, id); err != nil {
			s.respondError(c, err)
			return
		}
		c.JSON(http.StatusOK, toInvitation(v))
	}
}

// handleInvitationDelete handles DELETE /api/v1/invitations/{id}.
func (s *Server) handleInvitationDelete() gin.HandlerFunc {
	return s.deleteBy(func(c *gin.Context, id int64) error {
		return s.store.DeleteInvitation(c.Request.Context(), id)
	})
}
