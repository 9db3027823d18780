package api

import (
	"net/http"
	"time"

	"github.com/diemcau/diemcau/attendance"
	"github.com/gin-gonic/gin"
)

// conferenceJSON is a conference as the API shows it. Durations are whole minutes.
type conferenceJSON struct {
	ID                     int64                       `json:"id"`
	Title                  string                      `json:"title"`
	Description            string                      `json:"description"`
	HostOrganizationID     *int64                      `json:"hostOrganizationId"`
	StartsAt               time.Time                   `json:"startsAt"`
	EndsAt                 time.Time                   `json:"endsAt"`
	CheckinLeadMinutes     int                         `json:"checkinLeadMinutes"`
	LateGraceMinutes       int                         `json:"lateGraceMinutes"`
	EarlyLeaveGraceMinutes int                         `json:"earlyLeaveGraceMinutes"`
	InvitePositions        []attendance.Position       `json:"invitePositions"`
	Status                 attendance.ConferenceStatus `json:"status"`
	StartedAt              *time.Time                  `json:"startedAt"`
	EndedAt                *time.Time                  `json:"endedAt"`
	ClosedAt               *time.Time                  `json:"closedAt"`
	AuditHead              *auditHeadJSON              `json:"auditHead"`
	CreatedAt              time.Time                   `json:"createdAt"`
	UpdatedAt              time.Time                   `json:"updatedAt"`
}

// auditHeadJSON is the audit log's head recorded when the conference was last
// closed: the entry that records the closing.
type auditHeadJSON struct {
	ID   int64  `json:"id"`
	Hash string `json:"hash"`
}

func toConference(c attendance.Conference) conferenceJSON {
	ps := c.Positions()
	if ps == nil {
		ps = []attendance.Position{}
	}
	j := conferenceJSON{ID: c.ID, Title: c.Title, Description: c.Description, HostOrganizationID: c.HostOrganizationID,
		StartsAt: c.StartsAt, EndsAt: c.EndsAt, CheckinLeadMinutes: int(c.CheckinLead / time.Minute),
		LateGraceMinutes: int(c.LateGrace / time.Minute), EarlyLeaveGraceMinutes: int(c.EarlyLeaveGrace / time.Minute),
		InvitePositions: ps, Status: c.Status, StartedAt: c.StartedAt, EndedAt: c.EndedAt, ClosedAt: c.ClosedAt,
		CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt}
	if h, ok := c.AuditHead(); ok {
		j.AuditHead = &auditHeadJSON{ID: h.ID, Hash: h.Hash}
	}
	return j
}

// conferenceInput is the body of POST and PATCH. Times are RFC 3339; in a PATCH
// absent fields keep their value.
type conferenceInput struct {
	Title                  *string               `json:"title"`
	Description            *string               `json:"description"`
	HostOrganizationID     nullable[int64]       `json:"hostOrganizationId"`
	StartsAt               *string               `json:"startsAt"`
	EndsAt                 *string               `json:"endsAt"`
	CheckinLeadMinutes     *int                  `json:"checkinLeadMinutes"`
	LateGraceMinutes       *int                  `json:"lateGraceMinutes"`
	EarlyLeaveGraceMinutes *int                  `json:"earlyLeaveGraceMinutes"`
	InvitePositions        []attendance.Position `json:"invitePositions"`
}

// apply copies the input onto c and returns the problems of fields that do not parse.
func (in conferenceInput) apply(c *attendance.Conference) error {
	var fs []attendance.FieldError
	when := func(field string, v *string, dst *time.Time) {
		if v == nil {
			return
		}
		t, err := parseTime(*v)
		if err != nil {
			fs = append(fs, attendance.FieldError{Field: field, Code: attendance.CodeInvalid})
			return
		}
		*dst = t.UTC()
	}
	minutes := func(field string, v *int, dst *time.Duration) {
		if v == nil {
			return
		}
		// Check before multiplying: a huge count of minutes overflows a Duration and
		// may wrap into the allowed range.
		if *v < 0 || *v > 24*60 {
			fs = append(fs, attendance.FieldError{Field: field, Code: attendance.CodeRange, Param: "0-1440"})
			return
		}
		*dst = time.Duration(*v) * time.Minute
	}
	set(&c.Title, in.Title)
	set(&c.Description, in.Description)
	if in.HostOrganizationID.Set {
		c.HostOrganizationID = in.HostOrganizationID.Value
	}
	when("startsAt", in.StartsAt, &c.StartsAt)
	when("endsAt", in.EndsAt, &c.EndsAt)
	minutes("checkinLeadMinutes", in.CheckinLeadMinutes, &c.CheckinLead)
	minutes("lateGraceMinutes", in.LateGraceMinutes, &c.LateGrace)
	minutes("earlyLeaveGraceMinutes", in.EarlyLeaveGraceMinutes, &c.EarlyLeaveGrace)
	if in.InvitePositions != nil {
		for _, p := range in.InvitePositions {
			if !p.Valid() {
				fs = append(fs, attendance.FieldError{Field: "invitePositions", Code: attendance.CodeOneOf,
					Param: "secretary,deputy,member"})
				break
			}
		}
		c.SetPositions(in.InvitePositions)
	}
	if len(fs) > 0 {
		return &attendance.ValidationError{Fields: fs}
	}
	return nil
}

// handleConferenceList handles GET /api/v1/conferences?status=&from=&to=&q=.
func (s *Server) handleConferenceList() gin.HandlerFunc {
	return func(c *gin.Context) {
		p, _ := principal(c)
		q := newQuery(c)
		f := attendance.ConferenceFilter{
			Status: attendance.ConferenceStatus(q.oneOf("status", string(attendance.StatusScheduled),
				string(attendance.StatusLive), string(attendance.StatusEnded), string(attendance.StatusClosed))),
			From:  q.time("from"),
			To:    q.time("to"),
			Query: q.str("q", 100),
			Scope: p.Scope(),
			Page:  q.page(),
		}
		if err := q.err(); err != nil {
			s.respondError(c, err)
			return
		}
		l, err := s.store.Conferences(c.Request.Context(), f)
		if err != nil {
			s.respondError(c, err)
			return
		}
		c.JSON(http.StatusOK, toList(l, toConference))
	}
}

// handleConferenceGet handles GET /api/v1/conferences/{id}.
func (s *Server) handleConferenceGet() gin.HandlerFunc {
	return func(c *gin.Context) {
		conf, ok := s.conference(c)
		if ok {
			c.JSON(http.StatusOK, toConference(conf))
		}
	}
}

// conference loads the conference of the path's id within the caller's scope, or
// answers the problem.
func (s *Server) conference(c *gin.Context) (attendance.Conference, bool) {
	id, ok := s.idParam(c, "id")
	if !ok {
		return attendance.Conference{}, false
	}
	p, _ := principal(c)
	conf, err := s.store.Conference(c.Request.Context(), p.Scope(), id)
	if err != nil {
		s.respondError(c, err)
		return conf, false
	}
	return conf, true
}

// handleConferenceCreate handles POST /api/v1/conferences. Unset graces take the
// defaults of docs/design.md §6.
func (s *Server) handleConferenceCreate() gin.HandlerFunc {
	return func(c *gin.Context) {
		in, ok := decode[conferenceInput](s, c)
		if !ok {
			return
		}
		conf := attendance.Conference{CheckinLead: attendance.DefaultCheckinLead, LateGrace: attendance.DefaultLateGrace,
			EarlyLeaveGrace: attendance.DefaultEarlyLeaveGrace}
		if err := in.apply(&conf); err != nil {
			s.respondError(c, err)
			return
		}
		if err := s.store.CreateConference(c.Request.Context(), &conf); err != nil {
			s.respondError(c, err)
			return
		}
		c.JSON(http.StatusCreated, toConference(conf))
	}
}

// handleConferenceUpdate handles PATCH /api/v1/conferences/{id}.
func (s *Server) handleConferenceUpdate() gin.HandlerFunc {
	return func(c *gin.Context) {
		conf, ok := s.conference(c)
		if !ok {
			return
		}
		in, ok := decode[conferenceInput](s, c)
		if !ok {
			return
		}
		if err := in.apply(&conf); err != nil {
			s.respondError(c, err)
			return
		}
		if err := s.store.UpdateConference(c.Request.Context(), &conf); err != nil {
			s.respondError(c, err)
			return
		}
		c.JSON(http.StatusOK, toConference(conf))
	}
}

// handleConferenceDelete handles DELETE /api/v1/conferences/{id} (scheduled only).
func (s *Server) handleConferenceDelete() gin.HandlerFunc {
	return s.deleteBy(func(c *gin.Context, id int64) error {
		return s.store.DeleteConference(c.Request.Context(), id)
	})
}

// handleConferenceTransition handles POST /api/v1/conferences/{id}/start|end|close.
func (s *Server) handleConferenceTransition(action string) gin.HandlerFunc {
	return func(c *gin.Context) {
		id, ok := s.idParam(c, "id")
		if !ok {
			return
		}
		conf, err := s.store.TransitionConference(c.Request.Context(), id, action)
		if err != nil {
			s.respondError(c, err)
			return
		}
		c.JSON(http.StatusOK, toConference(conf))
	}
}
