package api

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

// adminPageRoutes lays out the admin area.
func (s *Server) adminPageRoutes(g *gin.RouterGroup) {
	g.GET("/", s.pageAdminHome())
}

// pageAdminHome handles GET /{lang}/admin/.
func (s *Server) pageAdminHome() gin.HandlerFunc {
	return func(c *gin.Context) {
		d := s.newPage(c, "page.admin")
		s.render(c, http.StatusOK, "admin", d)
	}
}
