package api

import (
	"context"
	"net/http"

	"github.com/diemcau/diemcau/attendance"
	"github.com/gin-gonic/gin"
)

// filed is how the API withdraws and decides one kind of request a member files for a
// chair to decide (attendance.Decision): absence requests and delegations. R is the
// record the store changes, V the view lists show, J its JSON.
type filed[R, V, J any] struct {
	withdraw func(ctx context.Context, p attendance.Principal, id int64) (R, error)
	decide   func(ctx context.Context, p attendance.Principal, id int64, approved bool, note string) (R, error)
	view     func(ctx context.Context, s attendance.Scope, id int64) (V, error)
	json     func(V) J
}

// withdrawHandler handles POST …/{id}/withdraw: the member takes back a pending one.
func (f filed[R, V, J]) withdrawHandler(s *Server) gin.HandlerFunc {
	return func(c *gin.Context) {
		id, ok := s.idParam(c, "id")
		if !ok {
			return
		}
		p, _ := principal(c)
		_, err := f.withdraw(c.Request.Context(), p, id)
		f.answer(s, c, id, err)
	}
}

// decisionHandler handles POST …/{id}/decision {"decision":"approved"|"rejected",
// "note"}: the chair of the member's point, or an organizer, decides; a note is
// required to reject.
func (f filed[R, V, J]) decisionHandler(s *Server) gin.HandlerFunc {
	return func(c *gin.Context) {
		id, ok := s.idParam(c, "id")
		if !ok {
			return
		}
		req, ok := decode[decisionRequest](s, c)
		if !ok {
			return
		}
		approved, err := req.approved()
		if err != nil {
			s.respondError(c, err)
			return
		}
		p, _ := principal(c)
		_, err = f.decide(c.Request.Context(), p, id, approved, req.Note)
		f.answer(s, c, id, err)
	}
}

// answer answers a change with the changed one as lists show it.
func (f filed[R, V, J]) answer(s *Server, c *gin.Context, id int64, err error) {
	if err != nil {
		s.respondError(c, err)
		return
	}
	v, err := f.view(c.Request.Context(), attendance.Scope{All: true}, id)
	if err != nil {
		s.respondError(c, err)
		return
	}
	c.JSON(http.StatusOK, f.json(v))
}

// decisionRequest is the body of a decision on a request or a delegation.
type decisionRequest struct {
	Decision string `json:"decision"`
	Note     string `json:"note"`
}

// approved reads the decision: approved or rejected.
func (r decisionRequest) approved() (bool, error) {
	switch attendance.DecisionStatus(r.Decision) {
	case attendance.DecisionApproved:
		return true, nil
	case attendance.DecisionRejected:
		return false, nil
	}
	return false, attendance.Invalid("decision", attendance.CodeOneOf, "approved,rejected")
}
