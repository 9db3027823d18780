package api

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

// pageView handles GET /{lang}/admin/points/{id}/view: the room seen through its
// console's camera, for organizers and supervisors. Nothing is recorded.
func (s *Server) pageView() gin.HandlerFunc {
	return func(c *gin.Context) {
		pt, ok := s.chairPoint(c, "id")
		if !ok {
			return
		}
		d := s.newPage(c, "page.view")
		d.Title = pt.Name
		d.Data = toPoint(pt)
		c.Header("Cache-Control", "no-store")
		s.render(c, http.StatusOK, "view", d)
	}
}
