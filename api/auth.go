package api

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/diemcau/diemcau/attendance"
	"github.com/gin-gonic/gin"
	"github.com/ulule/limiter/v3"
	"github.com/ulule/limiter/v3/drivers/store/memory"
)

// maxFormBody bounds any request body, uploads included: the largest is an absence
// request with five 10-MiB documents.
const maxFormBody = 56 << 20

// cookieSession holds a browser's session token.
const cookieSession = "diemcau_session"

// authenticate resolves the request's bearer token or session cookie to a principal.
// It rejects nothing itself; require does, per route.
func (s *Server) authenticate() gin.HandlerFunc {
	return func(c *gin.Context) {
		token, byCookie := "", false
		if h := c.GetHeader("Authorization"); h != "" {
			if t, ok := strings.CutPrefix(h, "Bearer "); ok {
				token = strings.TrimSpace(t)
			}
		} else if v, err := c.Cookie(cookieSession); err == nil {
			token, byCookie = v, true
		}
		if token == "" || len(token) > 200 {
			return
		}
		p, err := s.store.SessionPrincipal(c.Request.Context(), token)
		if err != nil {
			if !errors.Is(err, attendance.ErrUnauthenticated) {
				s.respondError(c, err)
			}
			return
		}
		c.Set(ctxPrincipal, p)
		c.Set(ctxToken, token)
		c.Set(ctxByCookie, byCookie)
	}
}

// principal returns who the request acts for; ok is false when nobody signed in.
func principal(c *gin.Context) (attendance.Principal, bool) {
	v, ok := c.Get(ctxPrincipal)
	if !ok {
		return attendance.Principal{}, false
	}
	p, ok := v.(attendance.Principal)
	return p, ok
}

// require lets the request through only for a principal holding one of roles: 401
// without a session, 403 with the wrong role.
func (s *Server) require(roles ...attendance.Role) gin.HandlerFunc {
	return func(c *gin.Context) {
		p, ok := principal(c)
		if !ok {
			s.respondError(c, attendance.ErrUnauthenticated)
			return
		}
		if !p.Is(roles...) {
			s.respondError(c, attendance.ErrForbidden)
			return
		}
	}
}

// csrfToken is the token a page must send back with unsafe requests made with its
// session cookie: an HMAC of the session token, so it needs no storage and dies with
// the session.
func (s *Server) csrfToken(sessionToken string) string {
	mac := hmac.New(sha256.New, s.cfg.Secret)
	mac.Write([]byte("csrf\x00" + sessionToken))
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

// csrf refuses unsafe requests authenticated by cookie that lack the session's CSRF
// token (header X-CSRF-Token or form field _csrf). Bearer tokens are not sent by
// browsers on their own, so requests carrying them need no CSRF token.
func (s *Server) csrf() gin.HandlerFunc {
	return func(c *gin.Context) {
		switch c.Request.Method {
		case http.MethodGet, http.MethodHead, http.MethodOptions:
			return
		}
		if !c.GetBool(ctxByCookie) {
			return
		}
		got := c.GetHeader("X-CSRF-Token")
		if got == "" {
			// Reading _csrf parses the whole form: bound it first, so an upload's own
			// limit still holds (the largest, a document, is 25 MiB).
			c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, maxFormBody)
			// A form over the bound is answered as too large, not as a missing token.
			var maxErr *http.MaxBytesError
			if err := c.Request.ParseMultipartForm(s.engine.MaxMultipartMemory); errors.As(err, &maxErr) {
				s.respondError(c, errTooLarge)
				return
			}
			got = c.PostForm("_csrf")
		}
		want := s.csrfToken(c.GetString(ctxToken))
		if !hmac.Equal([]byte(got), []byte(want)) {
			s.respondError(c, errCSRF)
		}
	}
}

// loginLimits bounds sign-in attempts per client address and per login, so guessing
// passwords or PINs is slow from one place and for one person.
type loginLimits struct {
	perAddress, perLogin *limiter.Limiter
}

func newLoginLimits(perAddress, perLogin string) (*loginLimits, error) {
	if perAddress == "" {
		perAddress = "20-M"
	}
	if perLogin == "" {
		perLogin = "10-M"
	}
	ra, err := limiter.NewRateFromFormatted(perAddress)
	if err != nil {
		return nil, fmt.Errorf("api: login rate per address: %w", err)
	}
	rl, err := limiter.NewRateFromFormatted(perLogin)
	if err != nil {
		return nil, fmt.Errorf("api: login rate per login: %w", err)
	}
	return &loginLimits{
		perAddress: limiter.New(memory.NewStore(), ra),
		perLogin:   limiter.New(memory.NewStore(), rl),
	}, nil
}

// allow counts one attempt for address and login and reports whether both are within
// their limits.
func (l *loginLimits) allow(c *gin.Context, address, login string) (bool, error) {
	ctx := c.Request.Context()
	a, err := l.perAddress.Get(ctx, "a:"+address)
	if err != nil {
		return false, err
	}
	b, err := l.perLogin.Get(ctx, "l:"+strings.ToLower(login))
	if err != nil {
		return false, err
	}
	return !a.Reached && !b.Reached, nil
}

// signIn checks either credential pair and starts a session.
type signIn struct {
	Login      string `json:"login"`
	Password   string `json:"password"`
	MemberCode string `json:"memberCode"`
	PIN        string `json:"pin"`
}

func (in signIn) validate() error {
	var fs []attendance.FieldError
	switch {
	case in.Login != "" || in.Password != "":
		if in.Login == "" {
			fs = append(fs, attendance.FieldError{Field: "login", Code: attendance.CodeRequired})
		}
		if in.Password == "" {
			fs = append(fs, attendance.FieldError{Field: "password", Code: attendance.CodeRequired})
		}
	case in.MemberCode != "" || in.PIN != "":
		if in.MemberCode == "" {
			fs = append(fs, attendance.FieldError{Field: "memberCode", Code: attendance.CodeRequired})
		}
		if in.PIN == "" {
			fs = append(fs, attendance.FieldError{Field: "pin", Code: attendance.CodeRequired})
		}
	default:
		fs = append(fs, attendance.FieldError{Field: "login", Code: attendance.CodeRequired},
			attendance.FieldError{Field: "password", Code: attendance.CodeRequired})
	}
	for _, f := range []struct {
		name, value string
		max         int
	}{{"login", in.Login, 64}, {"password", in.Password, 256}, {"memberCode", in.MemberCode, 64}, {"pin", in.PIN, 16}} {
		if len(f.value) > f.max {
			fs = append(fs, attendance.FieldError{Field: f.name, Code: attendance.CodeTooLong, Param: strconv.Itoa(f.max)})
		}
	}
	if len(fs) > 0 {
		return &attendance.ValidationError{Fields: fs}
	}
	return nil
}

// startSession checks in's credentials under the rate limits and, on success, sets
// the session cookie and returns the token.
func (s *Server) startSession(c *gin.Context, in signIn) (attendance.Principal, string, error) {
	if err := in.validate(); err != nil {
		return attendance.Principal{}, "", err
	}
	ctx := c.Request.Context()
	var (
		p   attendance.Principal
		err error
	)
	if in.Login != "" {
		// The limit key is what is checked below, trimmed as it is, so " admin" does
		// not open a fresh allowance for admin.
		login := strings.TrimSpace(in.Login)
		ok, lerr := s.limits.allow(c, c.ClientIP(), login)
		if lerr != nil {
			return attendance.Principal{}, "", lerr
		}
		if !ok {
			return attendance.Principal{}, "", errRateLimited
		}
		p, err = s.store.AuthenticateStaff(ctx, login, in.Password)
	} else {
		// A member's PIN is judged by the desk, under the same lockout as at check-in.
		p, err = s.desk.SignIn(ctx, in.MemberCode, in.PIN, c.ClientIP())
	}
	if err != nil {
		s.metrics.logins.WithLabelValues("failed").Inc()
		return p, "", err
	}
	token, err := s.store.CreateSession(ctx, p, s.cfg.SessionTTL)
	if err != nil {
		return p, "", err
	}
	s.metrics.logins.WithLabelValues("ok").Inc()
	s.setSessionCookie(c, token, int(s.cfg.SessionTTL.Seconds()))
	s.log.InfoContext(ctx, "signed in", "role", p.Role, "account", p.AccountID, "member", p.MemberID)
	return p, token, nil
}

func (s *Server) setSessionCookie(c *gin.Context, token string, maxAge int) {
	http.SetCookie(c.Writer, &http.Cookie{
		Name: cookieSession, Value: token, Path: "/", MaxAge: maxAge,
		HttpOnly: true, Secure: s.secureCookies(), SameSite: http.SameSiteLaxMode,
	})
}

// meJSON describes the signed-in principal.
type meJSON struct {
	Role      attendance.Role `json:"role"`
	Name      string          `json:"name"`
	AccountID int64           `json:"accountId,omitempty"`
	MemberID  int64           `json:"memberId,omitempty"`
	OrgIDs    []int64         `json:"organizationIds,omitempty"`
}

func toMe(p attendance.Principal) meJSON {
	return meJSON{Role: p.Role, Name: p.Name, AccountID: p.AccountID, MemberID: p.MemberID, OrgIDs: p.OrgIDs}
}

// handleLogin handles POST /api/v1/auth/login: {"login","password"} for staff or
// {"memberCode","pin"} for members. It answers the bearer token and sets the session
// cookie.
func (s *Server) handleLogin() gin.HandlerFunc {
	type response struct {
		Token     string `json:"token"`
		CSRFToken string `json:"csrfToken"`
		ExpiresIn int    `json:"expiresIn"`
		Principal meJSON `json:"principal"`
	}
	return func(c *gin.Context) {
		in, ok := decode[signIn](s, c)
		if !ok {
			return
		}
		p, token, err := s.startSession(c, in)
		if err != nil {
			s.respondError(c, err)
			return
		}
		c.JSON(http.StatusOK, response{Token: token, CSRFToken: s.csrfToken(token),
			ExpiresIn: int(s.cfg.SessionTTL.Seconds()), Principal: toMe(p)})
	}
}

// handleLogout handles POST /api/v1/auth/logout: it ends the session.
func (s *Server) handleLogout() gin.HandlerFunc {
	return func(c *gin.Context) {
		if token := c.GetString(ctxToken); token != "" {
			if err := s.store.DeleteSession(c.Request.Context(), token); err != nil {
				s.respondError(c, err)
				return
			}
		}
		s.setSessionCookie(c, "", -1)
		c.Status(http.StatusNoContent)
	}
}

// handleMe handles GET /api/v1/auth/me.
func (s *Server) handleMe() gin.HandlerFunc {
	return func(c *gin.Context) {
		p, _ := principal(c)
		c.JSON(http.StatusOK, toMe(p))
	}
}
