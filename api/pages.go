package api

import (
	"bytes"
	"fmt"
	"html/template"
	"io/fs"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/diemcau/diemcau/attendance"
	"github.com/gin-gonic/gin"
)

// pageData is what every page template receives.
type pageData struct {
	Lang      string
	OtherLang string
	// Path is the page's path without the language prefix, for the language switch.
	Path      string
	Me        *meJSON
	CSRF      string
	Title     string
	Flash     string
	Problem   *problem
	Form      map[string]string
	Data      any
	PublicURL string
}

// Hidden is the form field that carries the session's CSRF token.
func (d pageData) Hidden() template.HTML {
	return template.HTML(`<input type="hidden" name="_csrf" value="` + template.HTMLEscapeString(d.CSRF) + `">`)
}

// FieldError returns the message for field in the page's problem, if any.
func (d pageData) FieldError(field string) string {
	if d.Problem == nil {
		return ""
	}
	var msgs []string
	for _, e := range d.Problem.Errors {
		if e.Field == field {
			msgs = append(msgs, e.Message)
		}
	}
	return strings.Join(msgs, "; ")
}

// parsePages parses every template. Each page file defines "title" and "content" in
// a template named after the file; layout.html wraps them.
func parsePages(files fs.FS, tr *translator) (map[string]*template.Template, error) {
	funcs := template.FuncMap{
		"t": func(lang, id string, args ...any) string {
			if len(args) == 0 {
				return tr.T(lang, id)
			}
			data := map[string]any{}
			for i := 0; i+1 < len(args); i += 2 {
				data[fmt.Sprint(args[i])] = args[i+1]
			}
			return tr.T(lang, id, data)
		},
		"roleIs": func(me *meJSON, roles ...string) bool {
			if me == nil {
				return false
			}
			for _, r := range roles {
				if string(me.Role) == r {
					return true
				}
			}
			return false
		},
		"deref": func(p *int64) int64 {
			if p == nil {
				return 0
			}
			return *p
		},
		"derefs": func(p *string) string {
			if p == nil {
				return ""
			}
			return *p
		},
		"add": func(a, b int) int { return a + b },
		// dict passes several values to a shared template: dict "Key" value ….
		"dict": func(kv ...any) map[string]any {
			m := make(map[string]any, len(kv)/2)
			for i := 0; i+1 < len(kv); i += 2 {
				m[fmt.Sprint(kv[i])] = kv[i+1]
			}
			return m
		},
		// vntime shows a time as people in Vietnam read it.
		"vntime":          func(t time.Time) string { return t.In(attendance.VietnamTime).Format("15:04 02/01/2006") },
		"vnclock":         vnclock,
		"size":            formatSize,
		"checkinMessages": func(lang string) map[string]any { return checkinMessages(tr, lang) },
		"consoleMessages": func(lang string) map[string]any {
			out := map[string]any{}
			for _, k := range []string{"online", "offline", "connecting", "reconnecting", "expired", "late", "answered", "unsupported",
				"scanToCheckIn", "scanToAnswer", "rollcallLeft"} {
				out[k] = tr.T(lang, "console."+k)
			}
			return out
		},
		"boardMessages": func(lang string) map[string]any {
			chair := map[string]string{}
			for _, k := range attendance.ChairStatuses {
				chair[string(k)] = tr.T(lang, "chairrule."+string(k))
			}
			return map[string]any{"on": tr.T(lang, "board.on"), "off": tr.T(lang, "board.off"),
				"outages": tr.T(lang, "board.outages"), "headcount": tr.T(lang, "console.headcount"), "chair": chair,
				"view": tr.T(lang, "board.view")}
		},
		"consoleData": func(pg consolePage) map[string]any {
			return map[string]any{"checkinMatrix": pg.CheckInMatrix, "materialsMatrix": pg.MaterialsMatrix,
				"iceServers": pg.ICEServers, "rotateSeconds": pg.RotateSeconds, "nextAt": pg.NextAt,
				"kind": pg.CodeKind, "rollCallId": pg.RollCallID, "rollCallEndsAt": pg.RollCallEnds}
		},
	}
	layout, err := template.New("layout.html").Funcs(funcs).ParseFS(files, "layout.html")
	if err != nil {
		return nil, fmt.Errorf("api: parse layout: %w", err)
	}
	names, err := fs.Glob(files, "*.html")
	if err != nil {
		return nil, err
	}
	pages := map[string]*template.Template{}
	for _, name := range names {
		if name == "layout.html" {
			continue
		}
		t, err := template.Must(layout.Clone()).ParseFS(files, name)
		if err != nil {
			return nil, fmt.Errorf("api: parse %s: %w", name, err)
		}
		pages[strings.TrimSuffix(name, ".html")] = t
	}
	return pages, nil
}

// newPage fills the data every page shares.
func (s *Server) newPage(c *gin.Context, titleID string) pageData {
	l := lang(c)
	other := "en"
	if l == "en" {
		other = "vi"
	}
	d := pageData{Lang: l, OtherLang: other, Title: s.i18n.T(l, titleID), PublicURL: s.cfg.PublicURL,
		Path: strings.TrimPrefix(c.Request.URL.Path, "/"+l)}
	if c.Request.URL.RawQuery != "" {
		d.Path += "?" + c.Request.URL.RawQuery
	}
	if err, ok := c.Get(ctxQueryProblem); ok {
		p := s.problemFor(err.(error), l)
		d.Problem = &p
	}
	if p, ok := principal(c); ok {
		me := toMe(p)
		d.Me = &me
		d.CSRF = s.csrfToken(c.GetString(ctxToken))
	}
	if f, err := c.Cookie("diemcau_flash"); err == nil && f != "" {
		d.Flash = s.i18n.T(l, f)
		http.SetCookie(c.Writer, &http.Cookie{Name: "diemcau_flash", Path: "/", MaxAge: -1})
	}
	return d
}

// render writes page name with status. Rendering into a buffer first means a template
// error becomes a clean 500, not half a page.
func (s *Server) render(c *gin.Context, status int, name string, d pageData) {
	t, ok := s.pages[name]
	if !ok {
		s.respondError(c, fmt.Errorf("no page %q", name))
		return
	}
	if status < 300 && d.Problem != nil {
		// The page shows what it could without a query value it could not read
		// (readableQuery), and says so with the problem's status.
		status = d.Problem.Status
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout.html", d); err != nil {
		s.log.ErrorContext(c.Request.Context(), "render page", "page", name, "err", err)
		c.Data(http.StatusInternalServerError, "text/plain; charset=utf-8", []byte(s.i18n.T(d.Lang, "problem.internal")))
		return
	}
	c.Header("Content-Language", d.Lang)
	c.Header("X-Frame-Options", "DENY")
	c.Header("Referrer-Policy", "same-origin")
	c.Data(status, "text/html; charset=utf-8", buf.Bytes())
}

// ctxQueryProblem holds the problem with a page's query string, for newPage.
const ctxQueryProblem = "queryProblem"

// readableQuery takes out of a page's query string every value that cannot be text:
// NUL or invalid UTF-8. Such a value is bad input whatever the page does with it, and
// PostgreSQL refuses it, so no page gets to read it; the page shows what it can
// without it, with 422 and the field named (newPage, render), as the API answers 422
// for the same value. A name that is not text is dropped alone: no page reads it.
func readableQuery() gin.HandlerFunc {
	return func(c *gin.Context) {
		u := c.Request.URL
		if u.RawQuery == "" {
			return
		}
		q := u.Query()
		var bad []attendance.FieldError
		changed := false
		for name, values := range q {
			if !attendance.StorableText(name) {
				delete(q, name)
				changed = true
				continue
			}
			if !slices.ContainsFunc(values, func(v string) bool { return !attendance.StorableText(v) }) {
				continue
			}
			delete(q, name)
			changed = true
			bad = append(bad, attendance.FieldError{Field: name, Code: attendance.CodeInvalid})
		}
		if !changed {
			return
		}
		u.RawQuery = q.Encode()
		if len(bad) > 0 {
			slices.SortFunc(bad, func(a, b attendance.FieldError) int { return strings.Compare(a.Field, b.Field) })
			c.Set(ctxQueryProblem, error(&attendance.ValidationError{Fields: bad}))
		}
	}
}

// errorPage is what the error page shows.
type errorPage struct {
	Status int
	Title  string
	Errors []fieldProblem
}

// renderError shows an error page for status.
func (s *Server) renderError(c *gin.Context, status int) {
	l := lang(c)
	title := s.i18n.T(l, fmt.Sprintf("error.%d", status))
	if title == fmt.Sprintf("error.%d", status) {
		title = http.StatusText(status)
	}
	s.renderErrorPage(c, status, title, nil)
}

// renderErrorPage shows an error page with a title and field problems.
func (s *Server) renderErrorPage(c *gin.Context, status int, title string, errs []fieldProblem) {
	d := s.newPage(c, "page.error")
	d.Data = errorPage{Status: status, Title: title, Errors: errs}
	s.render(c, status, "error", d)
}

// flash remembers a message id for the next page, across a redirect.
func (s *Server) flash(c *gin.Context, id string) {
	http.SetCookie(c.Writer, &http.Cookie{Name: "diemcau_flash", Value: id, Path: "/", MaxAge: 60,
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: s.secureCookies()})
}

// requirePage sends a visitor without a session to the sign-in page, and one with the
// wrong role to an error page.
func (s *Server) requirePage(roles ...attendance.Role) gin.HandlerFunc {
	return func(c *gin.Context) {
		p, ok := principal(c)
		if !ok {
			c.Redirect(http.StatusSeeOther, "/"+lang(c)+"/login?next="+urlQueryEscape(c.Request.URL.RequestURI()))
			c.Abort()
			return
		}
		if !p.Is(roles...) {
			s.renderError(c, http.StatusForbidden)
			c.Abort()
		}
	}
}

// checkinMessages are the texts the phone page's script shows, keyed for it; problems
// it cannot help with map to a refusal title and hint.
func checkinMessages(tr *translator, lang string) map[string]any {
	problems := map[string][2]string{}
	for kind, id := range map[string]string{
		"token-expired": "scan.expired", "token-not-yet-valid": "scan.future", "token-forged": "scan.invalid",
		"token-malformed": "scan.invalid", "token-kind": "scan.invalid", "token-conference": "scan.invalid",
		"checkin-not-open": "scan.notopen", "checkin-closed": "scan.closed", "not-invited": "scan.notinvited",
		"rollcall-closed": "scan.rollcallclosed", "locked": "scan.locked", "throttled": "scan.throttled",
	} {
		hint := id + ".hint"
		if id == "scan.future" {
			hint = "scan.expired.hint"
		}
		problems["/problems/"+kind] = [2]string{tr.T(lang, id), tr.T(lang, hint)}
	}
	return map[string]any{
		"problems": problems, "done": tr.T(lang, "checkin.done"), "already": tr.T(lang, "checkin.already"),
		"moved": tr.T(lang, "checkin.moved"), "late": tr.T(lang, "checkin.late"), "wrongPoint": tr.T(lang, "checkin.wrongpoint"),
		"shared": tr.T(lang, "checkin.shared"), "staticQR": tr.T(lang, "checkin.static"), "sending": tr.T(lang, "checkin.sending"),
		"retrying": tr.T(lang, "checkin.retrying"), "rollcallDone": tr.T(lang, "rollcall.done"),
	}
}

// vnclock is the time of day in Vietnam ("07:52"), of a time or of a set *time.Time;
// "" for a nil one.
func vnclock(t any) string {
	switch v := t.(type) {
	case time.Time:
		return v.In(attendance.VietnamTime).Format("15:04")
	case *time.Time:
		if v != nil {
			return v.In(attendance.VietnamTime).Format("15:04")
		}
	}
	return ""
}

// formatSize shows a file's size as people read it: bytes under a kilobyte ("400 B"),
// then KB, MB and GB of 1,024, with one decimal under ten ("1,2 KB" in Vietnamese,
// "1.2 KB" in English) and none above ("25 MB").
func formatSize(lang string, n int64) string {
	if n < 1024 {
		return strconv.FormatInt(n, 10) + " B"
	}
	v, unit := float64(n)/1024, "KB"
	for _, u := range []string{"MB", "GB"} {
		if v < 1024 {
			break
		}
		v, unit = v/1024, u
	}
	var num string
	switch r := math.Round(v*10) / 10; {
	case r >= 10:
		num = strconv.FormatFloat(math.Round(v), 'f', 0, 64)
	case r == math.Trunc(r):
		num = strconv.FormatFloat(r, 'f', 0, 64)
	default:
		num = strconv.FormatFloat(r, 'f', 1, 64)
	}
	if lang == "vi" {
		num = strings.Replace(num, ".", ",", 1)
	}
	return num + " " + unit
}
