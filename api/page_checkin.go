package api

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"net/http"
	"time"

	"github.com/diemcau/diemcau/attendance"
	"github.com/diemcau/diemcau/bridge"
	"github.com/gin-gonic/gin"
)

// redirectLang sends a scanned short link (/c/{token}, /m/{token}) to the page in the
// phone's language.
func (s *Server) redirectLang(prefix string) gin.HandlerFunc {
	return func(c *gin.Context) {
		c.Header("Cache-Control", "no-store")
		c.Redirect(http.StatusFound, "/"+s.pageLang(c)+"/"+prefix+"/"+c.Param("token"))
	}
}

// checkInPage is what the phone page shows.
type checkInPage struct {
	Token      string
	Ticket     string
	Key        string
	Kind       string // "checkin" or "rollcall"
	Static     bool
	PointName  string
	Conference string
	Opens      time.Time
	// KnownName is set when the phone's one-tap cookie names a member.
	KnownName string
	// Failure is the message id of a refusal, Hint what to do about it, Detail the
	// refusal's own words (until when a lock lasts).
	Failure, Hint, Detail string
	Result                *checkInReply
	Answered              string // a roll-call answer's member name
	Retry                 bool   // the form is shown again with a problem
}

// scanFailure maps a refusal to the message and hint the phone shows.
func scanFailure(err error) (msg, hint string, status int) {
	switch {
	case errors.Is(err, bridge.ErrTokenExpired):
		return "scan.expired", "scan.expired.hint", http.StatusGone
	case errors.Is(err, bridge.ErrTokenNotYetValid):
		return "scan.future", "scan.expired.hint", http.StatusTooEarly
	case errors.Is(err, bridge.ErrTokenForged), errors.Is(err, bridge.ErrTokenMalformed),
		errors.Is(err, bridge.ErrTokenKind), errors.Is(err, bridge.ErrTokenConference), errors.Is(err, attendance.ErrNotFound):
		return "scan.invalid", "scan.invalid.hint", http.StatusBadRequest
	case errors.Is(err, attendance.ErrCheckinNotOpen):
		return "scan.notopen", "scan.notopen.hint", http.StatusConflict
	case errors.Is(err, attendance.ErrCheckinClosed):
		return "scan.closed", "scan.closed.hint", http.StatusGone
	case errors.Is(err, attendance.ErrNotInvited):
		return "scan.notinvited", "scan.notinvited.hint", http.StatusForbidden
	case errors.Is(err, attendance.ErrRollCallClosed):
		return "scan.rollcallclosed", "scan.rollcallclosed.hint", http.StatusGone
	case errors.Is(err, attendance.ErrLocked):
		return "scan.locked", "scan.locked.hint", http.StatusTooManyRequests
	case errors.Is(err, attendance.ErrThrottled):
		return "scan.throttled", "scan.throttled.hint", http.StatusTooManyRequests
	}
	return "", "", 0
}

// pageCheckIn handles GET /{lang}/c/{token}: the member's phone page. A fresh code is
// exchanged at once for a ticket held in the page, so a slow or retried submission
// still counts after the code rotates.
func (s *Server) pageCheckIn() gin.HandlerFunc {
	return func(c *gin.Context) {
		c.Header("Cache-Control", "no-store")
		d := s.newPage(c, "page.checkin")
		pg := &checkInPage{Token: c.Param("token"), Key: newKey()}
		d.Data = pg
		if c.Query("forget") == "1" {
			s.forgetDevice(c)
			c.Redirect(http.StatusSeeOther, "/"+d.Lang+"/c/"+c.Param("token"))
			return
		}
		sc, ticket, _, err := s.desk.Ticket(c.Request.Context(), pg.Token)
		if err != nil {
			s.renderScanError(c, d, pg, sc.Place, err)
			return
		}
		pg.PointName, pg.Conference = sc.Point.Name, sc.Conference.Title
		pg.Static = sc.Source() == bridge.KindStatic
		pg.Kind = "checkin"
		if sc.Source() == bridge.KindRollCall {
			pg.Kind = "rollcall"
			d.Title = s.i18n.T(d.Lang, "page.rollcall")
		}
		pg.Ticket = ticket
		if m, ok := s.knownMember(c); ok {
			pg.KnownName = m.FullName
		}
		s.render(c, http.StatusOK, "checkin", d)
	}
}

func (s *Server) renderScanError(c *gin.Context, d pageData, pg *checkInPage, pl bridge.Place, err error) {
	msg, hint, status := scanFailure(err)
	if status == 0 {
		if p := s.problemFor(err, d.Lang); p.Status < 500 {
			d.Problem, status = &p, p.Status
			pg.Retry = true
		} else {
			s.respondError(c, err)
			return
		}
	}
	pg.Failure, pg.Hint = msg, hint
	if msg != "" {
		pg.Detail = s.problemFor(err, d.Lang).Detail
		s.setRetryAfter(c, status, err)
	}
	if pl.Point.Name != "" {
		pg.PointName, pg.Conference = pl.Point.Name, pl.Conference.Title
	}
	if errors.Is(err, attendance.ErrCheckinNotOpen) {
		pg.Opens = pl.Conference.CheckinOpens()
	}
	s.render(c, status, "checkin", d)
}

// pageCheckInSubmit handles POST /{lang}/c/{token}: the same check-in without
// JavaScript. The page's ticket and key come back as form fields.
func (s *Server) pageCheckInSubmit() gin.HandlerFunc {
	return func(c *gin.Context) {
		c.Header("Cache-Control", "no-store")
		d := s.newPage(c, "page.checkin")
		pg := &checkInPage{Token: c.Param("token"), Ticket: c.PostForm("ticket"), Key: c.PostForm("key"), Kind: c.PostForm("kind")}
		d.Data = pg
		req := checkInRequest{Ticket: pg.Ticket, MemberCode: c.PostForm("memberCode"), PIN: c.PostForm("pin"), Key: pg.Key}
		if pg.Kind == "rollcall" {
			a, err := s.doAnswer(c, req)
			if err != nil {
				s.renderScanError(c, d, pg, a.Place, err)
				return
			}
			pg.PointName, pg.Conference, pg.Answered = a.Point.Name, a.Conference.Title, a.Identity.Name
			s.render(c, http.StatusOK, "checkin", d)
			return
		}
		reply, pl, err := s.doCheckIn(c, req)
		if err != nil {
			s.renderScanError(c, d, pg, pl, err)
			return
		}
		pg.Result, pg.PointName, pg.Conference = &reply, reply.PointName, reply.Conference
		s.render(c, http.StatusOK, "checkin", d)
	}
}

// newKey makes an idempotency key for a page's submission.
func newKey() string {
	b := make([]byte, 18)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
