package api

import (
	"net/http"
	"time"

	"github.com/diemcau/diemcau/attendance"
	"github.com/gin-gonic/gin"
)

// auditReportJSON is the result of verifying the audit log's hash chain.
type auditReportJSON struct {
	OK       bool                    `json:"ok"`
	Checked  int64                   `json:"checked"`
	LastID   int64                   `json:"lastId"`
	LastHash string                  `json:"lastHash"`
	BrokenID int64                   `json:"brokenId"`
	Problem  attendance.AuditProblem `json:"problem"`
}

func toAuditReport(r attendance.AuditReport) auditReportJSON {
	return auditReportJSON{OK: r.OK, Checked: r.Checked, LastID: r.LastID, LastHash: r.LastHash, BrokenID: r.BrokenID,
		Problem: r.Problem}
}

// auditEntryJSON is one entry of the audit log. Before and after are the object's
// state as the log keeps it: JSON text, or "" when there is none.
type auditEntryJSON struct {
	ID             int64     `json:"id"`
	At             time.Time `json:"at"`
	ActorAccountID *int64    `json:"actorAccountId"`
	ActorMemberID  *int64    `json:"actorMemberId"`
	Action         string    `json:"action"`
	ObjectType     string    `json:"objectType"`
	ObjectID       int64     `json:"objectId"`
	Reason         string    `json:"reason"`
	Before         string    `json:"before"`
	After          string    `json:"after"`
	PrevHash       string    `json:"prevHash"`
	Hash           string    `json:"hash"`
}

func toAuditEntry(e attendance.AuditEntry) auditEntryJSON {
	return auditEntryJSON{ID: e.ID, At: e.At.UTC(), ActorAccountID: e.ActorAccountID, ActorMemberID: e.ActorMemberID,
		Action: e.Action, ObjectType: e.ObjectType, ObjectID: e.ObjectID, Reason: e.Reason, Before: e.Before,
		After: e.After, PrevHash: e.PrevHash, Hash: e.Hash}
}

// handleAuditVerify handles GET /api/v1/audit/verify: it walks the whole log and
// names the first entry that breaks the chain.
func (s *Server) handleAuditVerify() gin.HandlerFunc {
	return func(c *gin.Context) {
		r, err := s.store.VerifyAudit(c.Request.Context())
		if err != nil {
			s.respondError(c, err)
			return
		}
		c.JSON(http.StatusOK, toAuditReport(r))
	}
}

// handleAuditList handles GET /api/v1/audit?action=&objectType=&objectId=&page=
// &pageSize=: entries of the log, newest first.
func (s *Server) handleAuditList() gin.HandlerFunc {
	return func(c *gin.Context) {
		q := newQuery(c)
		f := attendance.AuditFilter{Action: q.str("action", 64), ObjectType: q.str("objectType", 32),
			ObjectID: q.int64("objectId"), Page: q.page()}
		if err := q.err(); err != nil {
			s.respondError(c, err)
			return
		}
		l, err := s.store.AuditEntries(c.Request.Context(), f)
		if err != nil {
			s.respondError(c, err)
			return
		}
		c.JSON(http.StatusOK, toList(l, toAuditEntry))
	}
}
