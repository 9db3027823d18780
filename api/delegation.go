package api

import (
	"net/http"
	"time"

	"github.com/diemcau/diemcau/attendance"
	"github.com/gin-gonic/gin"
)

// delegationJSON is a member's delegation to a substitute (ủy nhiệm), with what the
// approver should weigh about the substitute (warnings, docs/design.md §13).
type delegationJSON struct {
	ID                 int64               `json:"id"`
	ConferenceID       int64               `json:"conferenceId"`
	ConferenceTitle    string              `json:"conferenceTitle"`
	MemberID           int64               `json:"memberId"`
	MemberCode         string              `json:"memberCode"`
	MemberName         string              `json:"memberName"`
	OrganizationID     int64               `json:"organizationId"`
	PointID            int64               `json:"pointId"`
	SubstituteID       int64               `json:"substituteId"`
	SubstituteCode     string              `json:"substituteCode"`
	SubstituteName     string              `json:"substituteName"`
	SubstitutePosition attendance.Position `json:"substitutePosition"`
	SubstituteOrgID    int64               `json:"substituteOrganizationId"`
	// Warnings are attendance.SubstituteWarnings: the substitute is not the
	// invitee's deputy (seed 001).
	Warnings           []attendance.DelegationWarning `json:"warnings"`
	Reason             string                         `json:"reason"`
	Status             attendance.DecisionStatus      `json:"status"`
	FiledByAccountID   *int64                         `json:"filedByAccountId"`
	FiledByMemberID    *int64                         `json:"filedByMemberId"`
	DecidedByAccountID *int64                         `json:"decidedByAccountId"`
	DecidedByMemberID  *int64                         `json:"decidedByMemberId"`
	DecidedAt          *time.Time                     `json:"decidedAt"`
	Note               string                         `json:"note"`
	CreatedAt          time.Time                      `json:"createdAt"`
	UpdatedAt          time.Time                      `json:"updatedAt"`
}

func toDelegation(v attendance.DelegationView) delegationJSON {
	d := v.Delegation
	return delegationJSON{ID: d.ID, ConferenceID: d.ConferenceID, ConferenceTitle: v.ConferenceTitle, MemberID: d.MemberID,
		MemberCode: v.MemberCode, MemberName: v.FullName, OrganizationID: v.OrganizationID, PointID: v.PointID,
		SubstituteID: d.SubstituteID, SubstituteCode: v.SubstituteCode, SubstituteName: v.SubstituteName,
		SubstitutePosition: v.SubstitutePosition, SubstituteOrgID: v.SubstituteOrganizationID, Warnings: v.Warnings(),
		Reason: d.Reason, Status: d.Status, FiledByAccountID: d.FiledByAccountID, FiledByMemberID: d.FiledByMemberID,
		DecidedByAccountID: d.DecidedByAccountID, DecidedByMemberID: d.DecidedByMemberID, DecidedAt: d.DecidedAt,
		Note: d.DecisionNote, CreatedAt: d.CreatedAt, UpdatedAt: d.UpdatedAt}
}

// handleDelegationCreate handles POST /api/v1/delegations {"conferenceId","memberId",
// "substituteId","reason"}; memberId defaults to the caller's own.
func (s *Server) handleDelegationCreate() gin.HandlerFunc {
	type request struct {
		ConferenceID int64  `json:"conferenceId"`
		MemberID     int64  `json:"memberId"`
		SubstituteID int64  `json:"substituteId"`
		Reason       string `json:"reason"`
	}
	return func(c *gin.Context) {
		req, ok := decode[request](s, c)
		if !ok {
			return
		}
		if req.MemberID < 0 {
			s.respondError(c, attendance.Invalid("memberId", attendance.CodeInvalid, ""))
			return
		}
		p, _ := principal(c)
		ctx := c.Request.Context()
		d, err := s.store.FileDelegation(ctx, p, attendance.DelegationInput{ConferenceID: req.ConferenceID,
			MemberID: req.MemberID, SubstituteID: req.SubstituteID, Reason: req.Reason})
		if err != nil {
			s.respondError(c, err)
			return
		}
		v, err := s.store.Delegation(ctx, attendance.Scope{All: true}, d.ID)
		if err != nil {
			s.respondError(c, err)
			return
		}
		c.JSON(http.StatusCreated, toDelegation(v))
	}
}

// handleDelegationList handles GET /api/v1/delegations?conferenceId=&memberId=
// &substituteId=&status=&page=&pageSize=, within the caller's scope (a member also
// sees the delegations naming them as the substitute).
func (s *Server) handleDelegationList() gin.HandlerFunc {
	return func(c *gin.Context) {
		p, _ := principal(c)
		q := newQuery(c)
		f := attendance.DelegationFilter{
			ConferenceID: q.int64("conferenceId"),
			MemberID:     q.int64("memberId"),
			SubstituteID: q.int64("substituteId"),
			Status:       attendance.DecisionStatus(q.oneOf("status", absenceStatuses...)),
			Scope:        p.Scope(),
			Page:         q.page(),
		}
		if err := q.err(); err != nil {
			s.respondError(c, err)
			return
		}
		l, err := s.store.Delegations(c.Request.Context(), f)
		if err != nil {
			s.respondError(c, err)
			return
		}
		c.JSON(http.StatusOK, toList(l, toDelegation))
	}
}

// handleDelegationGet handles GET /api/v1/delegations/{id}.
func (s *Server) handleDelegationGet() gin.HandlerFunc {
	return func(c *gin.Context) {
		id, ok := s.idParam(c, "id")
		if !ok {
			return
		}
		p, _ := principal(c)
		v, err := s.store.Delegation(c.Request.Context(), p.Scope(), id)
		if err != nil {
			s.respondError(c, err)
			return
		}
		c.JSON(http.StatusOK, toDelegation(v))
	}
}
