package api

import (
	"net/http"

	"github.com/diemcau/diemcau/attendance"
	"github.com/diemcau/diemcau/bridge"
	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// routes lays out the whole HTTP surface on one screen.
func (s *Server) routes() {
	const (
		admin      = attendance.RoleAdmin
		organizer  = attendance.RoleOrganizer
		supervisor = attendance.RoleSupervisor
		chair      = attendance.RoleChair
		member     = attendance.RoleMember
	)
	anyone := []attendance.Role{admin, organizer, supervisor, chair, member}
	staff := []attendance.Role{admin, organizer, supervisor}

	r := s.engine
	r.Use(s.recoverPanic(), s.observe(), limitBody(), s.authenticate())
	r.NoRoute(s.notFound)
	r.NoMethod(s.methodNotAllowed)

	r.GET("/healthz", s.handleHealthz())
	r.GET("/readyz", s.handleReadyz())
	r.GET("/metrics", gin.WrapH(promhttp.HandlerFor(s.cfg.Metrics, promhttp.HandlerOpts{})))
	r.StaticFS("/static", staticFS())
	r.GET("/problems/:type", s.handleProblemDoc())
	r.GET("/c/:token", s.redirectLang("c"))
	r.GET("/m/:token", s.redirectLang("m"))

	v1 := r.Group("/api/v1", s.csrf())
	v1.GET("/openapi.yaml", s.handleOpenAPI())
	v1.POST("/auth/login", s.handleLogin())
	v1.POST("/auth/logout", s.handleLogout())
	v1.GET("/auth/me", s.require(anyone...), s.handleMe())

	v1.GET("/accounts", s.require(admin), s.handleAccountList())
	v1.POST("/accounts", s.require(admin), s.handleAccountCreate())
	v1.GET("/accounts/:id", s.require(admin), s.handleAccountGet())
	v1.PATCH("/accounts/:id", s.require(admin), s.handleAccountUpdate())
	v1.DELETE("/accounts/:id", s.require(admin), s.handleAccountDelete())

	v1.GET("/organizations", s.require(anyone...), s.handleOrganizationList())
	v1.POST("/organizations", s.require(admin), s.handleOrganizationCreate())
	v1.GET("/organizations/:id", s.require(anyone...), s.handleOrganizationGet())
	v1.PATCH("/organizations/:id", s.require(admin), s.handleOrganizationUpdate())
	v1.DELETE("/organizations/:id", s.require(admin), s.handleOrganizationDelete())

	v1.GET("/members", s.require(anyone...), s.handleMemberList())
	v1.POST("/members", s.require(admin), s.handleMemberCreate())
	v1.POST("/members/import", s.require(admin), s.handleMemberImport())
	v1.GET("/members/:id", s.require(anyone...), s.handleMemberGet())
	v1.PATCH("/members/:id", s.require(admin), s.handleMemberUpdate())
	v1.DELETE("/members/:id", s.require(admin), s.handleMemberDelete())

	v1.GET("/conferences", s.require(anyone...), s.handleConferenceList())
	v1.POST("/conferences", s.require(admin, organizer), s.handleConferenceCreate())
	v1.GET("/conferences/:id", s.require(anyone...), s.handleConferenceGet())
	v1.PATCH("/conferences/:id", s.require(admin, organizer), s.handleConferenceUpdate())
	v1.DELETE("/conferences/:id", s.require(admin, organizer), s.handleConferenceDelete())
	for _, action := range []string{"start", "end", "close"} {
		v1.POST("/conferences/:id/"+action, s.require(admin, organizer), s.handleConferenceTransition(action))
	}
	v1.GET("/conferences/:id/points", s.require(anyone...), s.handlePointList())
	v1.POST("/conferences/:id/points", s.require(admin, organizer), s.handlePointCreate())
	v1.GET("/conferences/:id/invitations", s.require(anyone...), s.handleInvitationList())
	v1.POST("/conferences/:id/invitations", s.require(admin, organizer), s.handleInvitationCreate())
	v1.POST("/conferences/:id/invitations/generate", s.require(admin, organizer), s.handleInvitationGenerate())

	v1.GET("/points/:id", s.require(anyone...), s.handlePointGet())
	v1.PATCH("/points/:id", s.require(admin, organizer), s.handlePointUpdate())
	v1.DELETE("/points/:id", s.require(admin, organizer), s.handlePointDelete())

	v1.GET("/points/:id/qr", s.require(admin, organizer, chair), s.handlePointQR())
	v1.GET("/points/:id/qr/checkin.png", s.require(admin, organizer, chair), s.handleQRImage("checkin"))
	v1.GET("/points/:id/qr/rollcall.png", s.require(admin, organizer, chair), s.handleQRImage("rollcall"))
	v1.GET("/points/:id/qr/materials.png", s.require(admin, organizer, chair), s.handleQRImage("materials"))
	v1.GET("/points/:id/qr/sheet.pdf", s.require(admin, organizer, chair), s.handleQRSheet())
	v1.GET("/points/:id/roster", s.require(admin, organizer, supervisor, chair), s.handlePointRoster())
	v1.GET("/points/:id/events", s.require(admin, organizer, supervisor, chair), s.handlePointEvents())
	v1.GET("/points/:id/stream", s.require(admin, organizer, supervisor, chair), s.handlePointStream())
	v1.GET("/points/:id/materials", s.require(admin, organizer, supervisor, chair), s.handlePointMaterials())
	v1.POST("/points/:id/checkins", s.require(admin, organizer, chair), s.handleManualCheckIn())
	v1.POST("/points/:id/signal", s.require(admin, organizer, chair), s.handleSignal())
	v1.POST("/points/:id/watch", s.require(admin, organizer, supervisor), s.handleWatch())

	v1.POST("/checkins/tickets", s.handleTicket())
	v1.POST("/checkins", s.handleCheckIn())
	v1.POST("/checkins/:id/undo", s.require(anyone...), s.checkInChange(bridge.ChangeUndo))
	v1.POST("/checkins/:id/checkout", s.require(anyone...), s.checkInChange(bridge.ChangeCheckOut))
	v1.POST("/checkins/:id/confirm", s.require(anyone...), s.checkInChange(bridge.ChangeConfirm))

	v1.GET("/conferences/:id/board", s.require(admin, organizer, supervisor), s.handleBoard())
	v1.GET("/conferences/:id/events", s.require(admin, organizer, supervisor), s.handleEvents())
	v1.GET("/conferences/:id/rollcalls", s.require(admin, organizer, supervisor, chair), s.handleRollCallList())
	v1.POST("/conferences/:id/rollcalls", s.require(admin, organizer, chair), s.handleRollCallStart())
	v1.GET("/rollcalls/:id/answers", s.require(admin, organizer, supervisor, chair), s.handleRollCallAnswers())
	v1.POST("/rollcalls/answers", s.handleRollCallAnswer())

	v1.GET("/conferences/:id/documents", s.require(anyone...), s.handleDocumentList())
	v1.POST("/conferences/:id/documents", s.require(admin, organizer), s.handleDocumentUpload())
	v1.GET("/documents/:id", s.require(anyone...), s.handleDocumentGet())
	v1.DELETE("/documents/:id", s.require(admin, organizer), s.handleDocumentDelete())

	v1.GET("/conferences/:id/report", s.require(admin, organizer, supervisor), s.handleConferenceReport())
	v1.GET("/points/:id/report", s.require(admin, organizer, supervisor, chair), s.handlePointReport())
	v1.GET("/members/:id/report", s.require(anyone...), s.handleMemberReport())
	v1.GET("/organizations/:id/report", s.require(admin, organizer, supervisor, chair), s.handleOrganizationReport())

	v1.GET("/invitations/:id", s.require(anyone...), s.handleInvitationGet())
	v1.PATCH("/invitations/:id", s.require(admin, organizer), s.handleInvitationUpdate())
	v1.DELETE("/invitations/:id", s.require(admin, organizer), s.handleInvitationDelete())

	// Absence requests and delegations are withdrawn and decided alike.
	absences := filed[attendance.AbsenceRequest, attendance.AbsenceView, absenceJSON]{withdraw: s.store.WithdrawAbsence,
		decide: s.store.DecideAbsence, view: s.store.Absence, json: toAbsence}
	delegations := filed[attendance.Delegation, attendance.DelegationView, delegationJSON]{withdraw: s.store.WithdrawDelegation,
		decide: s.store.DecideDelegation, view: s.store.Delegation, json: toDelegation}

	// Absence requests and explanations, delegations, supervision and the audit log
	// (docs/design.md §12–§16). The store checks scope and who may decide.
	v1.POST("/absences", s.require(admin, organizer, chair, member), s.handleAbsenceCreate())
	v1.GET("/absences", s.require(anyone...), s.handleAbsenceList())
	v1.GET("/absences/:id", s.require(anyone...), s.handleAbsenceGet())
	v1.GET("/absences/:id/attachments/:aid", s.require(anyone...), s.handleAbsenceAttachment())
	v1.POST("/absences/:id/attachments", s.require(admin, organizer, chair, member), s.handleAbsenceAttach())
	v1.POST("/absences/:id/withdraw", s.require(chair, member), absences.withdrawHandler(s))
	v1.POST("/absences/:id/decision", s.require(admin, organizer, chair), absences.decisionHandler(s))
	v1.POST("/absences/:id/reviews", s.require(supervisor), s.handleAbsenceReview())

	v1.POST("/delegations", s.require(admin, organizer, chair, member), s.handleDelegationCreate())
	v1.GET("/delegations", s.require(anyone...), s.handleDelegationList())
	v1.GET("/delegations/:id", s.require(anyone...), s.handleDelegationGet())
	v1.POST("/delegations/:id/withdraw", s.require(chair, member), delegations.withdrawHandler(s))
	v1.POST("/delegations/:id/decision", s.require(admin, organizer, chair), delegations.decisionHandler(s))

	v1.GET("/supervision/repeat-absentees", s.require(admin, organizer, supervisor), s.handleRepeatAbsentees())
	v1.POST("/conferences/:id/reopen", s.require(admin, organizer), s.handleConferenceReopen())
	v1.GET("/audit/verify", s.require(admin, supervisor), s.handleAuditVerify())
	v1.GET("/audit", s.require(admin, supervisor), s.handleAuditList())

	r.GET("/", func(c *gin.Context) { c.Redirect(http.StatusFound, "/"+s.pageLang(c)+"/") })
	for _, lang := range languages {
		g := r.Group("/"+lang, readableQuery(), s.csrf(), setLang(lang))
		s.pageRoutes(g, staff)
		s.requestPageRoutes(g, staff)
	}
}
