package api

import (
	"net/http"
	"strconv"
	"time"

	"github.com/diemcau/diemcau/attendance"
	"github.com/gin-gonic/gin"
)

// memberOutcomeJSON is one outcome in a repeat absentee's year.
type memberOutcomeJSON struct {
	ConferenceID int64             `json:"conferenceId"`
	Title        string            `json:"title"`
	StartsAt     time.Time         `json:"startsAt"`
	PointID      int64             `json:"pointId"`
	Status       attendance.Status `json:"status"`
	AbsenceID    *int64            `json:"absenceId"`
}

// repeatAbsenteeJSON is a member with at least the threshold of unexcused absences.
type repeatAbsenteeJSON struct {
	MemberID       int64               `json:"memberId"`
	MemberCode     string              `json:"memberCode"`
	FullName       string              `json:"fullName"`
	OrganizationID int64               `json:"organizationId"`
	Unexcused      int                 `json:"unexcused"`
	History        []memberOutcomeJSON `json:"history"`
}

func toRepeatAbsentee(r attendance.RepeatAbsentee) repeatAbsenteeJSON {
	out := repeatAbsenteeJSON{MemberID: r.MemberID, MemberCode: r.MemberCode, FullName: r.FullName,
		OrganizationID: r.OrganizationID, Unexcused: r.Unexcused, History: make([]memberOutcomeJSON, len(r.History))}
	for i, h := range r.History {
		out.History[i] = memberOutcomeJSON{ConferenceID: h.ConferenceID, Title: h.Title, StartsAt: h.StartsAt,
			PointID: h.PointID, Status: h.Status}
		if h.AbsenceID != 0 {
			id := h.AbsenceID
			out.History[i].AbsenceID = &id
		}
	}
	return out
}

// The bounds of the repeat-absentee query.
const (
	minYear      = 2000
	maxYear      = 2200
	maxThreshold = 366
)

// repeatQuery reads year (default: this year in Vietnam) and threshold (default
// attendance.DefaultRepeatThreshold), reporting values out of range under their names.
func (s *Server) repeatQuery(year, threshold string) (int, int, error) {
	var bad []attendance.FieldError
	y, th := s.now().In(attendance.VietnamTime).Year(), attendance.DefaultRepeatThreshold
	if year != "" {
		n, err := strconv.Atoi(year)
		if err != nil || n < minYear || n > maxYear {
			bad = append(bad, attendance.FieldError{Field: "year", Code: attendance.CodeRange, Param: "2000-2200"})
		}
		y = n
	}
	if threshold != "" {
		n, err := strconv.Atoi(threshold)
		if err != nil || n < 1 || n > maxThreshold {
			bad = append(bad, attendance.FieldError{Field: "threshold", Code: attendance.CodeRange, Param: "1-366"})
		}
		th = n
	}
	if len(bad) > 0 {
		return 0, 0, &attendance.ValidationError{Fields: bad}
	}
	return y, th, nil
}

// handleRepeatAbsentees handles GET /api/v1/supervision/repeat-absentees?year=
// &threshold=: the members with at least threshold unexcused absences over the closed
// conferences of the year (docs/design.md §14), each with their year's history.
func (s *Server) handleRepeatAbsentees() gin.HandlerFunc {
	type response struct {
		Year      int                  `json:"year"`
		Threshold int                  `json:"threshold"`
		Items     []repeatAbsenteeJSON `json:"items"`
	}
	return func(c *gin.Context) {
		year, threshold, err := s.repeatQuery(c.Query("year"), c.Query("threshold"))
		if err != nil {
			s.respondError(c, err)
			return
		}
		rs, err := s.store.RepeatAbsentees(c.Request.Context(), year, threshold)
		if err != nil {
			s.respondError(c, err)
			return
		}
		out := response{Year: year, Threshold: threshold, Items: make([]repeatAbsenteeJSON, len(rs))}
		for i, r := range rs {
			out.Items[i] = toRepeatAbsentee(r)
		}
		c.JSON(http.StatusOK, out)
	}
}

// handleConferenceReopen handles POST /api/v1/conferences/{id}/reopen {"reason"}: a
// closed conference goes back to ended, so its requests and decisions may change again
// until it is closed anew; the store audits it with the reason.
func (s *Server) handleConferenceReopen() gin.HandlerFunc {
	type request struct {
		Reason string `json:"reason"`
	}
	return func(c *gin.Context) {
		id, ok := s.idParam(c, "id")
		if !ok {
			return
		}
		req, ok := decode[request](s, c)
		if !ok {
			return
		}
		p, _ := principal(c)
		conf, err := s.store.ReopenConference(c.Request.Context(), p, id, req.Reason)
		if err != nil {
			s.respondError(c, err)
			return
		}
		c.JSON(http.StatusOK, toConference(conf))
	}
}
