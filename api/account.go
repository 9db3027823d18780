package api

import (
	"net/http"
	"time"

	"github.com/diemcau/diemcau/attendance"
	"github.com/gin-gonic/gin"
)

// accountJSON is a staff account as the API shows it; the password hash never leaves
// the store.
type accountJSON struct {
	ID          int64           `json:"id"`
	Login       string          `json:"login"`
	DisplayName string          `json:"displayName"`
	Role        attendance.Role `json:"role"`
	Active      bool            `json:"active"`
	CreatedAt   time.Time       `json:"createdAt"`
	UpdatedAt   time.Time       `json:"updatedAt"`
}

func toAccount(a attendance.Account) accountJSON {
	return accountJSON{ID: a.ID, Login: a.Login, DisplayName: a.DisplayName, Role: a.Role, Active: a.Active,
		CreatedAt: a.CreatedAt, UpdatedAt: a.UpdatedAt}
}

// accountInput is the body of POST and PATCH; the password is write-only.
type accountInput struct {
	Login       *string          `json:"login"`
	DisplayName *string          `json:"displayName"`
	Role        *attendance.Role `json:"role"`
	Password    *string          `json:"password"`
	Active      *bool            `json:"active"`
}

func (in accountInput) apply(a *attendance.Account) (password string) {
	set(&a.Login, in.Login)
	set(&a.DisplayName, in.DisplayName)
	set(&a.Role, in.Role)
	set(&a.Active, in.Active)
	set(&password, in.Password)
	return password
}

// handleAccountList handles GET /api/v1/accounts?role=&q=.
func (s *Server) handleAccountList() gin.HandlerFunc {
	return func(c *gin.Context) {
		q := newQuery(c)
		role := attendance.Role(q.oneOf("role", string(attendance.RoleAdmin), string(attendance.RoleOrganizer),
			string(attendance.RoleSupervisor)))
		text, page := q.str("q", 100), q.page()
		if err := q.err(); err != nil {
			s.respondError(c, err)
			return
		}
		l, err := s.store.Accounts(c.Request.Context(), role, text, page)
		if err != nil {
			s.respondError(c, err)
			return
		}
		c.JSON(http.StatusOK, toList(l, toAccount))
	}
}

// handleAccountGet handles GET /api/v1/accounts/{id}.
func (s *Server) handleAccountGet() gin.HandlerFunc {
	return func(c *gin.Context) {
		id, ok := s.idParam(c, "id")
		if !ok {
			return
		}
		a, err := s.store.Account(c.Request.Context(), id)
		if err != nil {
			s.respondError(c, err)
			return
		}
		c.JSON(http.StatusOK, toAccount(a))
	}
}

// handleAccountCreate handles POST /api/v1/accounts.
func (s *Server) handleAccountCreate() gin.HandlerFunc {
	return func(c *gin.Context) {
		in, ok := decode[accountInput](s, c)
		if !ok {
			return
		}
		a := attendance.Account{Active: true}
		pw := in.apply(&a)
		if err := s.store.CreateAccount(c.Request.Context(), &a, pw); err != nil {
			s.respondError(c, err)
			return
		}
		c.JSON(http.StatusCreated, toAccount(a))
	}
}

// handleAccountUpdate handles PATCH /api/v1/accounts/{id}. An admin cannot take away
// their own admin role or deactivate themselves, so the service always keeps one.
func (s *Server) handleAccountUpdate() gin.HandlerFunc {
	return func(c *gin.Context) {
		id, ok := s.idParam(c, "id")
		if !ok {
			return
		}
		in, ok := decode[accountInput](s, c)
		if !ok {
			return
		}
		ctx := c.Request.Context()
		a, err := s.store.Account(ctx, id)
		if err != nil {
			s.respondError(c, err)
			return
		}
		pw := in.apply(&a)
		me, _ := principal(c)
		if me.AccountID == id && (a.Role != attendance.RoleAdmin || !a.Active) {
			s.respondError(c, attendance.Invalid("role", attendance.CodeInvalid, "self"))
			return
		}
		if err := s.store.UpdateAccount(ctx, me, &a, pw); err != nil {
			s.respondError(c, err)
			return
		}
		c.JSON(http.StatusOK, toAccount(a))
	}
}

// handleAccountDelete handles DELETE /api/v1/accounts/{id}; nobody deletes themselves.
func (s *Server) handleAccountDelete() gin.HandlerFunc {
	return s.deleteBy(func(c *gin.Context, id int64) error {
		if me, _ := principal(c); me.AccountID == id {
			return attendance.ErrForbidden
		}
		return s.store.DeleteAccount(c.Request.Context(), id)
	})
}
