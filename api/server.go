// Package api is diemcau's HTTP surface: the JSON API under /api/v1, the pages, health
// and metrics. It sees the attendance record only through the Store interface it
// declares, and never imports GORM or pion.
package api

import (
	"context"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/diemcau/diemcau/attendance"
	"github.com/diemcau/diemcau/bridge"
	"github.com/diemcau/diemcau/web"
	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
)

// Store is what the API needs of the attendance record. attendance/sqlstore.DB
// implements it.
type Store interface {
	Ping(ctx context.Context) error

	AuthenticateStaff(ctx context.Context, login, password string) (attendance.Principal, error)
	CreateSession(ctx context.Context, p attendance.Principal, ttl time.Duration) (string, error)
	SessionPrincipal(ctx context.Context, token string) (attendance.Principal, error)
	DeleteSession(ctx context.Context, token string) error

	CreateAccount(ctx context.Context, a *attendance.Account, password string) error
	Account(ctx context.Context, id int64) (attendance.Account, error)
	Accounts(ctx context.Context, role attendance.Role, query string, p attendance.Page) (attendance.List[attendance.Account], error)
	UpdateAccount(ctx context.Context, by attendance.Principal, a *attendance.Account, password string) error
	DeleteAccount(ctx context.Context, id int64) error

	CreateOrganization(ctx context.Context, o *attendance.Organization) error
	Organization(ctx context.Context, s attendance.Scope, id int64) (attendance.Organization, error)
	Organizations(ctx context.Context, f attendance.OrganizationFilter) (attendance.List[attendance.Organization], error)
	UpdateOrganization(ctx context.Context, o *attendance.Organization) error
	DeleteOrganization(ctx context.Context, id int64) error

	CreateMember(ctx context.Context, m *attendance.Member, pin string) error
	Member(ctx context.Context, s attendance.Scope, id int64) (attendance.Member, error)
	Members(ctx context.Context, f attendance.MemberFilter) (attendance.List[attendance.Member], error)
	UpdateMember(ctx context.Context, m *attendance.Member, pin string) error
	DeleteMember(ctx context.Context, id int64) error
	ImportMembers(ctx context.Context, roster attendance.Roster) (attendance.ImportResult, error)

	CreateConference(ctx context.Context, c *attendance.Conference) error
	Conference(ctx context.Context, s attendance.Scope, id int64) (attendance.Conference, error)
	Conferences(ctx context.Context, f attendance.ConferenceFilter) (attendance.List[attendance.Conference], error)
	UpdateConference(ctx context.Context, c *attendance.Conference) error
	DeleteConference(ctx context.Context, id int64) error
	TransitionConference(ctx context.Context, id int64, action string) (attendance.Conference, error)

	CreatePoint(ctx context.Context, p *attendance.Point) error
	Point(ctx context.Context, s attendance.Scope, id int64) (attendance.Point, error)
	Points(ctx context.Context, f attendance.PointFilter) (attendance.List[attendance.Point], error)
	UpdatePoint(ctx context.Context, p *attendance.Point) error
	DeletePoint(ctx context.Context, id int64) error

	Invitations(ctx context.Context, f attendance.InvitationFilter) (attendance.List[attendance.InvitationView], error)
	Invitation(ctx context.Context, s attendance.Scope, id int64) (attendance.InvitationView, error)
	CreateInvitation(ctx context.Context, inv *attendance.Invitation) error
	UpdateInvitation(ctx context.Context, inv *attendance.Invitation) error
	DeleteInvitation(ctx context.Context, id int64) error
	GenerateInvitations(ctx context.Context, conferenceID int64) (int64, error)

	// The desk's own needs: every way into attendance goes through bridge.Desk.
	bridge.DeskStore
	PointEvents(ctx context.Context, pointID int64, limit int) ([]attendance.CheckInEvent, error)

	RollCall(ctx context.Context, id int64) (attendance.RollCall, error)
	CurrentRollCall(ctx context.Context, conferenceID, pointID int64) (attendance.RollCall, error)
	OpenRollCalls(ctx context.Context, conferenceID int64) ([]attendance.RollCall, error)
	RollCalls(ctx context.Context, conferenceID, pointID int64) ([]attendance.RollCallSummary, error)
	RollCallAnswers(ctx context.Context, rollCallID int64) ([]attendance.RollCallAnswer, error)

	CreateDocument(ctx context.Context, d *attendance.Document) error
	Documents(ctx context.Context, conferenceID int64, withSecret bool) ([]attendance.Document, error)
	Document(ctx context.Context, id int64) (attendance.Document, error)
	DeleteDocument(ctx context.Context, id int64) error
	RecordRead(ctx context.Context, documentID, memberID, pointID int64) error
	MaterialsConference(ctx context.Context, p attendance.Principal, id int64) (attendance.Conference, error)
	ReadingPoint(ctx context.Context, conferenceID, memberID int64) (int64, error)
	PointMaterials(ctx context.Context, pointID int64) ([]attendance.MaterialsStatus, error)

	ConferenceReport(ctx context.Context, conferenceID int64) (attendance.ConferenceReport, error)
	PointReport(ctx context.Context, pointID int64) (attendance.ConferenceReport, error)
	MemberReport(ctx context.Context, memberID int64, from, to time.Time) (attendance.MemberReport, error)
	OrganizationYearReport(ctx context.Context, organizationID int64, year int) (attendance.OrganizationYearReport, error)

	Board(ctx context.Context, conf attendance.Conference) ([]attendance.BoardPoint, error)
	Presence(ctx context.Context, conferenceID, pointID int64) ([]attendance.PresenceInterval, error)

	FileAbsence(ctx context.Context, p attendance.Principal, in attendance.AbsenceInput) (attendance.AbsenceRequest, error)
	AddAbsenceAttachments(ctx context.Context, p attendance.Principal, absenceID int64, files []attendance.AbsenceAttachment) ([]attendance.AbsenceAttachment, error)
	WithdrawAbsence(ctx context.Context, p attendance.Principal, id int64) (attendance.AbsenceRequest, error)
	DecideAbsence(ctx context.Context, p attendance.Principal, id int64, approved bool, note string) (attendance.AbsenceRequest, error)
	CanDecide(ctx context.Context, p attendance.Principal, a attendance.AbsenceRequest) error
	Absences(ctx context.Context, f attendance.AbsenceFilter) (attendance.List[attendance.AbsenceView], error)
	Absence(ctx context.Context, s attendance.Scope, id int64) (attendance.AbsenceView, error)
	AbsenceAttachment(ctx context.Context, s attendance.Scope, id int64) (attendance.AbsenceAttachment, error)
	ReviewAbsence(ctx context.Context, p attendance.Principal, id int64, action attendance.ReviewAction, note string) (attendance.Review, error)
	Reviews(ctx context.Context, absenceID int64) ([]attendance.Review, error)

	FileDelegation(ctx context.Context, p attendance.Principal, in attendance.DelegationInput) (attendance.Delegation, error)
	WithdrawDelegation(ctx context.Context, p attendance.Principal, id int64) (attendance.Delegation, error)
	DecideDelegation(ctx context.Context, p attendance.Principal, id int64, approved bool, note string) (attendance.Delegation, error)
	Delegations(ctx context.Context, f attendance.DelegationFilter) (attendance.List[attendance.DelegationView], error)
	Delegation(ctx context.Context, s attendance.Scope, id int64) (attendance.DelegationView, error)

	RepeatAbsentees(ctx context.Context, year, threshold int) ([]attendance.RepeatAbsentee, error)
	ReopenConference(ctx context.Context, p attendance.Principal, id int64, reason string) (attendance.Conference, error)
	VerifyAudit(ctx context.Context, heads ...attendance.AuditHead) (attendance.AuditReport, error)
	AuditEntries(ctx context.Context, f attendance.AuditFilter) (attendance.List[attendance.AuditEntry], error)
	AuditSubjects(ctx context.Context, entries []attendance.AuditEntry) (map[int64]string, error)
}

// Config holds the server's settings; cmd reads them from the environment.
type Config struct {
	// PublicURL is the base URL people reach the service at; an https URL marks
	// cookies Secure.
	PublicURL string
	// Secret signs CSRF tokens.
	Secret []byte
	// SessionTTL is how long a sign-in lasts (default 12 h).
	SessionTTL time.Duration
	// LoginRate limits sign-in attempts per client address and per login, in the
	// ulule/limiter form "N-M" (default "20-M" per address, "10-M" per login).
	LoginRatePerAddress string
	LoginRatePerLogin   string
	// Metrics is where request metrics are registered and what /metrics serves; nil
	// makes a fresh registry.
	Metrics *prometheus.Registry
	// Version is shown in /healthz.
	Version string
	// QRRotate is the rotation period of check-in codes (default 30 s).
	QRRotate time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Bus carries live events to boards (and, with a relay, to other instances); nil
	// makes a bus for this instance alone.
	Bus *bridge.Bus
	// Consoles is the WebRTC hub of the room consoles; nil turns signalling off.
	Consoles Consoles
	// Sessions lists the consoles connected to this instance (bridge.Tracker's): the
	// points whose screens get new codes and the conference's roll calls.
	Sessions func() []bridge.Session
	// TrustedProxies are the addresses (CIDRs) of reverse proxies whose
	// X-Forwarded-For is believed; none by default, so a client cannot choose the
	// address its sign-in attempts are counted against.
	TrustedProxies []string
}

// Server is the HTTP handler of the whole service.
type Server struct {
	log      *slog.Logger
	store    Store
	cfg      Config
	engine   *gin.Engine
	i18n     *translator
	pages    map[string]*template.Template
	limits   *loginLimits
	metrics  *httpMetrics
	tokens   *bridge.Signer
	codes    *bridge.Codes
	now      func() time.Time
	desk     *bridge.Desk
	bus      *bridge.Bus
	consoles Consoles
}

// NewServer builds the handler with every dependency it needs.
func NewServer(log *slog.Logger, store Store, cfg Config) (*Server, error) {
	if cfg.SessionTTL <= 0 {
		cfg.SessionTTL = 12 * time.Hour
	}
	if cfg.Metrics == nil {
		cfg.Metrics = prometheus.NewRegistry()
	}
	tr, err := newTranslator(web.I18n())
	if err != nil {
		return nil, err
	}
	pages, err := parsePages(web.Templates(), tr)
	if err != nil {
		return nil, err
	}
	limits, err := newLoginLimits(cfg.LoginRatePerAddress, cfg.LoginRatePerLogin)
	if err != nil {
		return nil, err
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.QRRotate <= 0 {
		cfg.QRRotate = 30 * time.Second
	}
	gin.SetMode(gin.ReleaseMode)
	s := &Server{
		log:     log,
		store:   store,
		cfg:     cfg,
		engine:  gin.New(),
		i18n:    tr,
		pages:   pages,
		limits:  limits,
		metrics: newHTTPMetrics(cfg.Metrics),
		tokens:  bridge.NewSigner(cfg.Secret, cfg.QRRotate),
		// Two windows and a little: a rotating code is asked for until it is replaced.
		codes: bridge.NewCodes(20_000, 2*cfg.QRRotate+5*time.Second),
		now:   cfg.Now,
	}
	s.consoles = cfg.Consoles
	s.bus = cfg.Bus
	if s.bus == nil {
		s.bus = bridge.NewBus("local", nil)
	}
	s.desk = bridge.NewDesk(store, s.tokens, s.bus, cfg.Secret, cfg.Now, log)
	s.store = placeKeeper{Store: store, desk: s.desk}
	if err := s.engine.SetTrustedProxies(cfg.TrustedProxies); err != nil {
		return nil, fmt.Errorf("api: trusted proxies: %w", err)
	}
	s.engine.HandleMethodNotAllowed = true
	s.engine.ContextWithFallback = true
	s.routes()
	return s, nil
}

// ServeHTTP serves one request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.engine.ServeHTTP(w, r) }

// secureCookies reports whether cookies must be marked Secure.
func (s *Server) secureCookies() bool { return strings.HasPrefix(s.cfg.PublicURL, "https://") }

func staticFS() http.FileSystem {
	return http.FS(web.Static())
}

var _ fs.FS = web.Static()
