package api

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

// boardPage is the board as its page shows it, with the conference's report.
type boardPage struct {
	boardJSON
	Reports reportGroup
}

// pageBoard handles GET /{lang}/admin/conferences/{id}/board: the live board. The page
// renders the first view on the server and then follows the event stream.
func (s *Server) pageBoard() gin.HandlerFunc {
	return func(c *gin.Context) {
		conf, ok := s.conference(c)
		if !ok {
			return
		}
		b, err := s.board(c.Request.Context(), conf, newQuery(c))
		if err != nil {
			s.respondError(c, err)
			return
		}
		d := s.newPage(c, "page.board")
		d.Title = conf.Title
		d.Data = boardPage{boardJSON: b, Reports: s.conferenceReports(d.Lang, conf)}
		c.Header("Cache-Control", "no-store")
		s.render(c, http.StatusOK, "board", d)
	}
}
