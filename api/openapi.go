package api

import (
	_ "embed"
	"net/http"

	"github.com/gin-gonic/gin"
)

// openAPISpec is api/openapi.yaml, the description of the JSON API. openapi_test.go
// checks every route and handler against it, so it is served as the contract.
//
//go:embed openapi.yaml
var openAPISpec []byte

// handleOpenAPI handles GET /api/v1/openapi.yaml: the API's OpenAPI 3 description,
// for integrators and their client generators. It is public, as it holds no data.
func (s *Server) handleOpenAPI() gin.HandlerFunc {
	return func(c *gin.Context) {
		c.Header("Cache-Control", "no-cache")
		c.Data(http.StatusOK, "application/yaml; charset=utf-8", openAPISpec)
	}
}
