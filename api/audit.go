package api

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/diemcau/diemcau/attendance"
	"github.com/gin-gonic/gin"
)

// auditReportJSON is the result of verifying the audit log's hash chain and the
// heads kept outside it. ConferenceID names the conference whose head at closing
// failed; null when none did, or the failing head was given in the request.
type auditReportJSON struct {
	OK           bool                    `json:"ok"`
	Checked      int64                   `json:"checked"`
	LastID       int64                   `json:"lastId"`
	LastHash     string                  `json:"lastHash"`
	BrokenID     int64                   `json:"brokenId"`
	Problem      attendance.AuditProblem `json:"problem"`
	Heads        int                     `json:"heads"`
	ConferenceID *int64                  `json:"conferenceId"`
}

func toAuditReport(r attendance.AuditReport) auditReportJSON {
	j := auditReportJSON{OK: r.OK, Checked: r.Checked, LastID: r.LastID, LastHash: r.LastHash, BrokenID: r.BrokenID,
		Problem: r.Problem, Heads: r.Heads}
	if r.ConferenceID != 0 {
		j.ConferenceID = &r.ConferenceID
	}
	return j
}

// maxAuditHeads bounds the heads one verification checks.
const maxAuditHeads = 100

// auditHeads reads the repeated parameter name as heads noted down outside the log
// (ID:HASH).
func (q *query) auditHeads(name string) []attendance.AuditHead {
	vs := q.c.QueryArray(name)
	if len(vs) > maxAuditHeads {
		q.problems = append(q.problems, attendance.FieldError{Field: name, Code: attendance.CodeTooLong,
			Param: strconv.Itoa(maxAuditHeads)})
		return nil
	}
	var heads []attendance.AuditHead
	for _, v := range vs {
		if strings.TrimSpace(v) == "" {
			continue
		}
		h, err := attendance.ParseAuditHead(v)
		if err != nil {
			q.fail(name, attendance.CodeInvalid)
			return nil
		}
		heads = append(heads, h)
	}
	return heads
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

// handleAuditVerify handles GET /api/v1/audit/verify?head=ID:HASH…: it walks the
// whole log, names the first entry that breaks the chain, and checks the heads given
// and those recorded when conferences were closed.
func (s *Server) handleAuditVerify() gin.HandlerFunc {
	return func(c *gin.Context) {
		q := newQuery(c)
		heads := q.auditHeads("head")
		if err := q.err(); err != nil {
			s.respondError(c, err)
			return
		}
		r, err := s.store.VerifyAudit(c.Request.Context(), heads...)
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
