package api

import (
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/diemcau/diemcau/attendance"
	"github.com/diemcau/diemcau/bridge"
	"github.com/gin-gonic/gin"
)

// checkInURL is the link in a check-in or roll-call code: short, so the QR stays
// coarse enough to scan from the back of a hall.
func (s *Server) codeURL(prefix string, t bridge.Token) string {
	return s.cfg.PublicURL + "/" + prefix + "/" + s.tokens.Sign(t)
}

func (s *Server) checkInURL(pt attendance.Point) (string, time.Time) {
	now := s.now()
	t := s.tokens.Current(bridge.KindCheckIn, pt.ConferenceID, pt.ID, now)
	return s.codeURL("c", t), s.tokens.WindowStart(t.Window + 1)
}

func (s *Server) staticURL(pt attendance.Point) string {
	return s.codeURL("c", bridge.Token{Kind: bridge.KindStatic, ConferenceID: pt.ConferenceID, PointID: pt.ID})
}

func (s *Server) materialsURL(pt attendance.Point) string {
	return s.codeURL("m", bridge.Token{Kind: bridge.KindMaterials, ConferenceID: pt.ConferenceID, PointID: pt.ID})
}

func (s *Server) rollCallURL(pt attendance.Point, rc attendance.RollCall) (string, time.Time) {
	t := s.tokens.Current(bridge.KindRollCall, pt.ConferenceID, pt.ID, s.now())
	t.Ref = rc.ID
	return s.codeURL("c", t), s.tokens.WindowStart(t.Window + 1)
}

// handlePointQR handles GET /api/v1/points/{id}/qr: the links of the point's codes now,
// for a console that draws them itself.
func (s *Server) handlePointQR() gin.HandlerFunc {
	type response struct {
		CheckInURL    string    `json:"checkinUrl"`
		CheckInMatrix []string  `json:"checkinMatrix"`
		NextAt        time.Time `json:"nextAt"`
		RotateSeconds int       `json:"rotateSeconds"`
		MaterialsURL  string    `json:"materialsUrl"`
		RollCallURL   string    `json:"rollCallUrl,omitempty"`
		// RollCallMatrix is the roll call's code while one is open: the screen shows
		// it instead of the check-in code.
		RollCallMatrix []string   `json:"rollCallMatrix,omitempty"`
		RollCallID     int64      `json:"rollCallId,omitempty"`
		RollCallEnds   *time.Time `json:"rollCallEndsAt,omitempty"`
	}
	return func(c *gin.Context) {
		pt, ok := s.chairPoint(c, "id")
		if !ok {
			return
		}
		url, next := s.checkInURL(pt)
		matrix, err := s.codes.Matrix(url)
		if err != nil {
			s.respondError(c, err)
			return
		}
		resp := response{CheckInURL: url, CheckInMatrix: matrix, NextAt: next, RotateSeconds: int(s.tokens.Rotate().Seconds()),
			MaterialsURL: s.materialsURL(pt)}
		if rc, err := s.store.CurrentRollCall(c.Request.Context(), pt.ConferenceID, pt.ID); err == nil {
			resp.RollCallURL, _ = s.rollCallURL(pt, rc)
			resp.RollCallID, resp.RollCallEnds = rc.ID, &rc.EndsAt
			if resp.RollCallMatrix, err = s.codes.Matrix(resp.RollCallURL); err != nil {
				s.respondError(c, err)
				return
			}
		}
		c.Header("Cache-Control", "no-store")
		c.JSON(http.StatusOK, resp)
	}
}

// handleQRImage handles GET /api/v1/points/{id}/qr/{checkin|materials|rollcall}.png?size=.
// Images are cached per window, so a thousand consoles cost one encoding each.
func (s *Server) handleQRImage(kind string) gin.HandlerFunc {
	return func(c *gin.Context) {
		pt, ok := s.chairPoint(c, "id")
		if !ok {
			return
		}
		size := bridge.DefaultQRSize
		if v := c.Query("size"); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < bridge.MinQRSize || n > bridge.MaxQRSize {
				s.respondError(c, attendance.Invalid("size", attendance.CodeRange,
					fmt.Sprintf("%d-%d", bridge.MinQRSize, bridge.MaxQRSize)))
				return
			}
			size = n
		}
		var (
			url    string
			expiry time.Time
		)
		switch kind {
		case "checkin":
			url, expiry = s.checkInURL(pt)
		case "materials":
			url = s.materialsURL(pt)
		case "rollcall":
			rc, err := s.store.CurrentRollCall(c.Request.Context(), pt.ConferenceID, pt.ID)
			if err != nil {
				s.respondError(c, err)
				return
			}
			url, expiry = s.rollCallURL(pt, rc)
		}
		png, err := s.codes.PNG(url, size, bridge.LevelMedium)
		if err != nil {
			s.respondError(c, err)
			return
		}
		if expiry.IsZero() {
			c.Header("Cache-Control", "private, max-age=3600")
		} else {
			c.Header("Cache-Control", "no-store")
			c.Header("X-QR-Expires", expiry.UTC().Format(time.RFC3339))
		}
		c.Data(http.StatusOK, "image/png", png)
	}
}

// handleQRSheet handles GET /api/v1/points/{id}/qr/sheet.pdf: the printable A4 sheet
// with the static check-in code and the materials code.
func (s *Server) handleQRSheet() gin.HandlerFunc {
	return func(c *gin.Context) {
		pt, ok := s.chairPoint(c, "id")
		if !ok {
			return
		}
		conf, err := s.store.Conference(c.Request.Context(), attendance.Scope{All: true}, pt.ConferenceID)
		if err != nil {
			s.respondError(c, err)
			return
		}
		pdf, err := s.codes.SheetPDF(bridge.Sheet{Conference: conf.Title, Point: pt.Name, Location: pt.Location,
			StartsAt: conf.StartsAt, EndsAt: conf.EndsAt, CheckInURL: s.staticURL(pt), MaterialsURL: s.materialsURL(pt)})
		if err != nil {
			s.respondError(c, err)
			return
		}
		c.Header("Content-Disposition", fmt.Sprintf(`inline; filename="diem-cau-%d.pdf"`, pt.ID))
		c.Data(http.StatusOK, "application/pdf", pdf)
	}
}
