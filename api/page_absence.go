package api

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/diemcau/diemcau/attendance"
	"github.com/gin-gonic/gin"
)

// requestPageRoutes lays out the pages of absence requests and delegations: a
// member's own (filing, withdrawing, adding documents), a chair's queue of the
// requests of a point's members (deciding), and the supervisory committee's pages
// in the admin area.
func (s *Server) requestPageRoutes(g *gin.RouterGroup, staff []attendance.Role) {
	mine := g.Group("", s.requirePage(attendance.RoleChair, attendance.RoleMember))
	mine.GET("/requests", s.pageMyRequests())
	mine.GET("/conferences/:id/requests", s.pageConferenceRequests())
	mine.POST("/conferences/:id/absences", s.pageAbsenceFile())
	mine.POST("/conferences/:id/delegations", s.pageDelegationFile())
	mine.POST("/absences/:id/withdraw", s.pageRequestWithdraw("absence"))
	mine.POST("/absences/:id/attachments", s.pageAbsenceAttach())
	mine.POST("/delegations/:id/withdraw", s.pageRequestWithdraw("delegation"))

	chair := g.Group("/chair", s.requirePage(attendance.RoleAdmin, attendance.RoleOrganizer, attendance.RoleChair))
	chair.GET("/points/:id/requests", s.pageChairRequests())
	chair.POST("/absences/:id/decision", s.pageRequestDecision("absence"))
	chair.POST("/delegations/:id/decision", s.pageRequestDecision("delegation"))

	s.supervisionPageRoutes(g.Group("/admin/supervision", s.requirePage(staff...)))
}

// absenceRow is an absence request as the pages show it.
type absenceRow struct {
	absenceJSON
	Attachments []attachmentJSON
	Reviews     []reviewRow
	Filed       string // when, in Vietnam's time
	Decided     string
	DecidedBy   string
	// DecidedAs is what DecidedBy decided, which an overturn of the supervisory
	// committee may have flipped since (docs/design.md §14.1).
	DecidedAs attendance.DecisionStatus
	OrgName   string
	// Open is true while the request may still change: pending, conference not closed.
	Open bool
	// CanDecide tells a chair's page to offer the decision; Why says why not.
	CanDecide bool
	Why       string
}

// reviewRow is a review of the supervisory committee as the pages show it.
type reviewRow struct {
	reviewJSON
	At       string
	Reviewer string
}

// delegationRow is a delegation as the pages show it.
type delegationRow struct {
	delegationJSON
	Filed     string
	Decided   string
	DecidedBy string
	Open      bool
	CanDecide bool
	Why       string
}

// rows turns absence views into rows, loading each one's documents (and, with
// reviews, the committee's reviews) and the names of its deciders.
func (s *Server) absenceRows(ctx context.Context, names *people, vs []attendance.AbsenceView, closed func(int64) bool,
	reviews bool) ([]absenceRow, error) {
	out := make([]absenceRow, 0, len(vs))
	for _, v := range vs {
		full, err := s.store.Absence(ctx, attendance.Scope{All: true}, v.ID)
		if err != nil {
			return nil, err
		}
		r := absenceRow{absenceJSON: toAbsence(v), Filed: vnTime(v.CreatedAt), Attachments: []attachmentJSON{},
			DecidedBy: names.name(v.DecidedByAccountID, v.DecidedByMemberID)}
		if v.DecidedAt != nil {
			r.Decided = vnTime(*v.DecidedAt)
		}
		r.Open = v.Status == attendance.DecisionPending && !closed(v.ConferenceID)
		for _, a := range full.Attachments {
			r.Attachments = append(r.Attachments, toAttachment(a))
		}
		overturns := 0
		if reviews || v.Overturned {
			rs, err := s.store.Reviews(ctx, v.ID)
			if err != nil {
				return nil, err
			}
			for _, rv := range rs {
				if rv.Action == attendance.ReviewOverturned {
					overturns++
				}
				if !reviews {
					continue
				}
				acc := rv.ReviewerAccountID
				r.Reviews = append(r.Reviews, reviewRow{reviewJSON: toReview(rv), At: vnTime(rv.CreatedAt),
					Reviewer: names.name(&acc, nil)})
			}
			if v.Overturned && overturns == 0 {
				overturns = 1
			}
		}
		r.DecidedAs = v.Decision.DecidedAs(overturns)
		out = append(out, r)
	}
	return out, nil
}

func delegationRows(names *people, vs []attendance.DelegationView, closed func(int64) bool) []delegationRow {
	out := make([]delegationRow, 0, len(vs))
	for _, v := range vs {
		r := delegationRow{delegationJSON: toDelegation(v), Filed: vnTime(v.CreatedAt),
			DecidedBy: names.name(v.DecidedByAccountID, v.DecidedByMemberID)}
		if v.DecidedAt != nil {
			r.Decided = vnTime(*v.DecidedAt)
		}
		r.Open = v.Status == attendance.DecisionPending && !closed(v.ConferenceID)
		out = append(out, r)
	}
	return out
}

// closedSet remembers which conferences are closed, reading each once.
func (s *Server) closedSet(ctx context.Context) func(int64) bool {
	seen := map[int64]bool{}
	return func(id int64) bool {
		if v, ok := seen[id]; ok {
			return v
		}
		conf, err := s.store.Conference(ctx, attendance.Scope{All: true}, id)
		v := err == nil && conf.Status == attendance.StatusClosed
		seen[id] = v
		return v
	}
}

// myRequestsPage is what a member's list of requests shows.
type myRequestsPage struct {
	Absences     []absenceRow
	Delegations  []delegationRow
	Substituting []delegationRow
	Conferences  []conferenceJSON // not closed: where a request may still be filed
}

// pageMyRequests handles GET /{lang}/requests: the member's absence requests and
// delegations, those naming them as the substitute, and links to file new ones.
func (s *Server) pageMyRequests() gin.HandlerFunc {
	return func(c *gin.Context) {
		p, _ := principal(c)
		ctx := c.Request.Context()
		names, closed := s.people(ctx), s.closedSet(ctx)
		page := attendance.Page{Size: 100}
		var out myRequestsPage
		as, err := s.store.Absences(ctx, attendance.AbsenceFilter{MemberID: p.MemberID, Scope: p.Scope(), Page: page})
		if err == nil {
			out.Absences, err = s.absenceRows(ctx, names, as.Items, closed, false)
		}
		if err != nil {
			s.pageFail(c, err)
			return
		}
		ds, err := s.store.Delegations(ctx, attendance.DelegationFilter{MemberID: p.MemberID, Scope: p.Scope(), Page: page})
		if err != nil {
			s.pageFail(c, err)
			return
		}
		out.Delegations = delegationRows(names, ds.Items, closed)
		subs, err := s.store.Delegations(ctx, attendance.DelegationFilter{SubstituteID: p.MemberID, Scope: p.Scope(), Page: page})
		if err != nil {
			s.pageFail(c, err)
			return
		}
		for _, r := range delegationRows(names, subs.Items, closed) {
			if r.Status == attendance.DecisionPending || r.Status == attendance.DecisionApproved {
				out.Substituting = append(out.Substituting, r)
			}
		}
		confs, err := s.store.Conferences(ctx, attendance.ConferenceFilter{Scope: p.Scope(), Page: attendance.Page{Size: 50}})
		if err != nil {
			s.pageFail(c, err)
			return
		}
		for _, conf := range confs.Items {
			if conf.Status != attendance.StatusClosed {
				out.Conferences = append(out.Conferences, toConference(conf))
			}
		}
		d := s.newPage(c, "page.requests")
		d.Data = out
		s.render(c, http.StatusOK, "absence_list", d)
	}
}

// conferenceRequestsPage is what a member's page of one conference shows: their
// requests and delegations, and the forms to file new ones.
type conferenceRequestsPage struct {
	Conference  conferenceJSON
	Closed      bool
	Invited     bool
	PointName   string
	Kind        attendance.AbsenceKind // what a request filed now is
	Categories  []attendance.AbsenceCategory
	Absences    []absenceRow
	Delegations []delegationRow
	// CanFile and CanDelegate are false while an open request (or delegation) exists.
	CanFile     bool
	CanDelegate bool
}

// conferenceRequests loads the member's page of a conference.
func (s *Server) conferenceRequests(c *gin.Context, id int64) (conferenceRequestsPage, error) {
	p, _ := principal(c)
	ctx := c.Request.Context()
	var out conferenceRequestsPage
	conf, err := s.store.Conference(ctx, p.Scope(), id)
	if err != nil {
		return out, err
	}
	out.Conference, out.Closed = toConference(conf), conf.Status == attendance.StatusClosed
	out.Kind, out.Categories = conf.KindAt(s.now()), attendance.AbsenceCategories
	invs, err := s.store.Invitations(ctx, attendance.InvitationFilter{ConferenceID: id, MemberID: p.MemberID,
		Scope: attendance.Scope{All: true}, Page: attendance.Page{Size: 1}})
	if err != nil {
		return out, err
	}
	if len(invs.Items) == 1 {
		out.Invited, out.PointName = true, invs.Items[0].PointName
	}
	names, closed := s.people(ctx), func(int64) bool { return out.Closed }
	as, err := s.store.Absences(ctx, attendance.AbsenceFilter{ConferenceID: id, MemberID: p.MemberID, Scope: p.Scope(),
		Page: attendance.Page{Size: 100}})
	if err != nil {
		return out, err
	}
	if out.Absences, err = s.absenceRows(ctx, names, as.Items, closed, false); err != nil {
		return out, err
	}
	ds, err := s.store.Delegations(ctx, attendance.DelegationFilter{ConferenceID: id, MemberID: p.MemberID, Scope: p.Scope(),
		Page: attendance.Page{Size: 100}})
	if err != nil {
		return out, err
	}
	out.Delegations = delegationRows(names, ds.Items, closed)
	out.CanFile = out.Invited && !out.Closed
	for _, a := range out.Absences {
		if a.Status.Open() {
			out.CanFile = false
		}
	}
	out.CanDelegate = out.Invited && !out.Closed
	for _, d := range out.Delegations {
		if d.Status.Open() {
			out.CanDelegate = false
		}
	}
	return out, nil
}

// pageConferenceRequests handles GET /{lang}/conferences/{id}/requests.
func (s *Server) pageConferenceRequests() gin.HandlerFunc {
	return func(c *gin.Context) {
		id, ok := s.pageID(c, "id")
		if !ok {
			return
		}
		data, err := s.conferenceRequests(c, id)
		if err != nil {
			s.pageFail(c, err)
			return
		}
		d := s.newPage(c, "page.requests")
		d.Title = data.Conference.Title
		d.Data = data
		d.Form = map[string]string{}
		s.render(c, http.StatusOK, "absence", d)
	}
}

// conferenceRequestsProblem shows the conference's page again with the problem of a
// refused form and what the user typed.
func (s *Server) conferenceRequestsProblem(c *gin.Context, id int64, form map[string]string, err error) {
	data, lerr := s.conferenceRequests(c, id)
	if lerr != nil {
		s.pageFail(c, lerr)
		return
	}
	d := s.newPage(c, "page.requests")
	d.Title = data.Conference.Title
	d.Data = data
	d.Form = form
	p := s.uploadProblem(err, d.Lang)
	if p.Status == http.StatusNotFound || p.Status >= 500 {
		s.pageFail(c, err)
		return
	}
	d.Problem = &p
	s.render(c, p.Status, "absence", d)
}

// pageAbsenceFile handles POST /{lang}/conferences/{id}/absences (multipart:
// category, reason, files).
func (s *Server) pageAbsenceFile() gin.HandlerFunc {
	return func(c *gin.Context) {
		id, ok := s.pageID(c, "id")
		if !ok {
			return
		}
		form := map[string]string{"category": c.PostForm("category"), "reason": c.PostForm("reason")}
		in, err := absenceForm(c, id)
		if err == nil {
			in.MemberID = 0 // a member files for themselves here
			p, _ := principal(c)
			_, err = s.store.FileAbsence(c.Request.Context(), p, in)
			err = filesProblems(err)
		}
		if err != nil {
			s.conferenceRequestsProblem(c, id, form, err)
			return
		}
		s.seeOther(c, "absence.flash.filed", "/conferences/"+strconv.FormatInt(id, 10)+"/requests")
	}
}

// pageDelegationFile handles POST /{lang}/conferences/{id}/delegations (substituteCode,
// delegationReason): the substitute is named by member code.
func (s *Server) pageDelegationFile() gin.HandlerFunc {
	return func(c *gin.Context) {
		id, ok := s.pageID(c, "id")
		if !ok {
			return
		}
		code, reason := strings.TrimSpace(c.PostForm("substituteCode")), c.PostForm("delegationReason")
		form := map[string]string{"substituteCode": code, "delegationReason": reason}
		ctx := c.Request.Context()
		p, _ := principal(c)
		sub, err := s.memberByCode(ctx, code)
		if err == nil {
			_, err = s.store.FileDelegation(ctx, p, attendance.DelegationInput{ConferenceID: id, SubstituteID: sub, Reason: reason})
		}
		if err != nil {
			s.conferenceRequestsProblem(c, id, form, delegationFormProblems(err))
			return
		}
		s.seeOther(c, "delegation.flash.filed", "/conferences/"+strconv.FormatInt(id, 10)+"/requests")
	}
}

// memberByCode finds an active member by their code, for naming a substitute; an
// unknown code is a problem of the field substituteCode.
func (s *Server) memberByCode(ctx context.Context, code string) (int64, error) {
	if code == "" || !attendance.StorableText(code) || len(code) > 64 {
		return 0, attendance.Invalid("substituteCode", attendance.CodeRequired, "")
	}
	active := true
	l, err := s.store.Members(ctx, attendance.MemberFilter{Code: code, Active: &active, Scope: attendance.Scope{All: true},
		Page: attendance.Page{Number: 1, Size: 1}})
	if err != nil {
		return 0, err
	}
	if len(l.Items) == 1 {
		return l.Items[0].ID, nil
	}
	return 0, attendance.Invalid("substituteCode", attendance.CodeUnknown, "")
}

// delegationFormProblems names the form's fields in the store's problems: the
// substitute is typed as a code, the reason in its own box.
func delegationFormProblems(err error) error {
	var ve *attendance.ValidationError
	if !errors.As(err, &ve) {
		return err
	}
	out := &attendance.ValidationError{}
	for _, f := range ve.Fields {
		switch f.Field {
		case "substituteId":
			f.Field = "substituteCode"
		case "reason":
			f.Field = "delegationReason"
		}
		out.Fields = append(out.Fields, f)
	}
	return out
}

// pageAbsenceAttach handles POST /{lang}/absences/{id}/attachments (multipart files,
// conferenceId): more documents for a pending request.
func (s *Server) pageAbsenceAttach() gin.HandlerFunc {
	return func(c *gin.Context) {
		id, ok := s.pageID(c, "id")
		if !ok {
			return
		}
		conf, _ := strconv.ParseInt(c.PostForm("conferenceId"), 10, 64)
		files, err := readAttachments(c)
		if err == nil && len(files) == 0 {
			err = attendance.Invalid(filesField, attendance.CodeRequired, "")
		}
		if err == nil {
			p, _ := principal(c)
			_, err = s.store.AddAbsenceAttachments(c.Request.Context(), p, id, files)
			err = filesProblems(err)
		}
		if err != nil && conf > 0 {
			s.conferenceRequestsProblem(c, conf, map[string]string{}, err)
			return
		}
		s.afterRequestAction(c, requestsPath(conf), "absence.flash.attached", err)
	}
}

// requestsPath is the member's page of a conference, or their list of requests.
func requestsPath(conferenceID int64) string {
	if conferenceID > 0 {
		return "/conferences/" + strconv.FormatInt(conferenceID, 10) + "/requests"
	}
	return "/requests"
}

// pageRequestWithdraw handles POST /{lang}/absences/{id}/withdraw and
// /{lang}/delegations/{id}/withdraw (conferenceId: where to go back to).
func (s *Server) pageRequestWithdraw(kind string) gin.HandlerFunc {
	return func(c *gin.Context) {
		id, ok := s.pageID(c, "id")
		if !ok {
			return
		}
		conf, _ := strconv.ParseInt(c.PostForm("conferenceId"), 10, 64)
		p, _ := principal(c)
		var err error
		if kind == "absence" {
			_, err = s.store.WithdrawAbsence(c.Request.Context(), p, id)
		} else {
			_, err = s.store.WithdrawDelegation(c.Request.Context(), p, id)
		}
		s.afterRequestAction(c, requestsPath(conf), kind+".flash.withdrawn", err)
	}
}

// afterRequestAction sends the browser back to path (without the language) with a
// message: flash on success, the problem's title (or what to fix) otherwise. A
// record that is not there, or a failure of the store, gets the error page.
func (s *Server) afterRequestAction(c *gin.Context, path, flash string, err error) {
	if err != nil {
		p := s.problemFor(err, lang(c))
		if p.Status == http.StatusNotFound || p.Status >= 500 {
			s.pageFail(c, err)
			return
		}
		flash = "problem." + problemKind(p)
		for _, f := range p.Errors {
			if f.Field == "note" && f.Code == attendance.CodeRequired {
				flash = "absence.flash.note"
			}
		}
	}
	s.seeOther(c, flash, path)
}

// chairRequestsPage is a point's queue of requests and delegations.
type chairRequestsPage struct {
	Point              pointJSON
	Conference         conferenceJSON
	Closed             bool
	Pending            []absenceRow
	PendingDelegations []delegationRow
	Decided            []absenceRow
	DecidedDelegations []delegationRow
}

// maxListPages bounds how many pages of MaxPageSize a page reads from one list: the
// requests of one conference in a chair's scope.
const maxListPages = 40

// readAll reads every item of a list, a page of MaxPageSize at a time, up to
// maxListPages.
func readAll[T any](ctx context.Context, list func(context.Context, attendance.Page) (attendance.List[T], error)) ([]T, error) {
	var out []T
	for page := 1; page <= maxListPages; page++ {
		l, err := list(ctx, attendance.Page{Number: page, Size: attendance.MaxPageSize})
		if err != nil {
			return nil, err
		}
		out = append(out, l.Items...)
		if len(l.Items) == 0 || int64(len(out)) >= l.Total {
			break
		}
	}
	return out, nil
}

// pageChairRequests handles GET /{lang}/chair/points/{id}/requests: the requests and
// delegations of the members invited to the point, pending first, with their
// documents and the decision buttons where the caller is the approver.
func (s *Server) pageChairRequests() gin.HandlerFunc {
	return func(c *gin.Context) {
		id, ok := s.pageID(c, "id")
		if !ok {
			return
		}
		p, _ := principal(c)
		ctx := c.Request.Context()
		pt, err := s.store.Point(ctx, p.Scope(), id)
		if err != nil {
			s.pageFail(c, err)
			return
		}
		conf, err := s.store.Conference(ctx, attendance.Scope{All: true}, pt.ConferenceID)
		if err != nil {
			s.pageFail(c, err)
			return
		}
		out := chairRequestsPage{Point: toPoint(pt), Conference: toConference(conf), Closed: conf.Status == attendance.StatusClosed}
		names, closed := s.people(ctx), func(int64) bool { return out.Closed }
		as, err := readAll(ctx, func(ctx context.Context, pg attendance.Page) (attendance.List[attendance.AbsenceView], error) {
			return s.store.Absences(ctx, attendance.AbsenceFilter{ConferenceID: conf.ID, Scope: p.Scope(), Page: pg})
		})
		if err != nil {
			s.pageFail(c, err)
			return
		}
		var here []attendance.AbsenceView
		for _, v := range as {
			if v.PointID == pt.ID && v.Status != attendance.DecisionWithdrawn {
				here = append(here, v)
			}
		}
		rows, err := s.absenceRows(ctx, names, here, closed, false)
		if err != nil {
			s.pageFail(c, err)
			return
		}
		for _, r := range rows {
			if r.Open {
				r.CanDecide, r.Why = s.mayDecide(c, p, r.ConferenceID, r.MemberID)
				out.Pending = append(out.Pending, r)
			} else {
				out.Decided = append(out.Decided, r)
			}
		}
		ds, err := readAll(ctx, func(ctx context.Context, pg attendance.Page) (attendance.List[attendance.DelegationView], error) {
			return s.store.Delegations(ctx, attendance.DelegationFilter{ConferenceID: conf.ID, Scope: p.Scope(), Page: pg})
		})
		if err != nil {
			s.pageFail(c, err)
			return
		}
		var ours []attendance.DelegationView
		for _, v := range ds {
			if v.PointID == pt.ID {
				ours = append(ours, v)
			}
		}
		for _, r := range delegationRows(names, ours, closed) {
			switch {
			case r.Status == attendance.DecisionWithdrawn:
			case r.Open:
				r.CanDecide, r.Why = s.mayDecide(c, p, r.ConferenceID, r.MemberID)
				if r.CanDecide && p.MemberID != 0 && p.MemberID == r.SubstituteID {
					r.CanDecide, r.Why = false, "problem.self-approval"
				}
				out.PendingDelegations = append(out.PendingDelegations, r)
			default:
				out.DecidedDelegations = append(out.DecidedDelegations, r)
			}
		}
		d := s.newPage(c, "page.chairRequests")
		d.Title = pt.Name
		d.Data = out
		s.render(c, http.StatusOK, "absence_chair", d)
	}
}

// mayDecide tells whether p may decide a request of member in the conference, and if
// not, the message id of why.
func (s *Server) mayDecide(c *gin.Context, p attendance.Principal, conferenceID, memberID int64) (bool, string) {
	err := s.store.CanDecide(c.Request.Context(), p, attendance.AbsenceRequest{ConferenceID: conferenceID, MemberID: memberID})
	switch {
	case err == nil:
		return true, ""
	case errors.Is(err, attendance.ErrSelfApproval):
		return false, "problem.self-approval"
	}
	return false, "requests.notApprover"
}

// pageRequestDecision handles POST /{lang}/chair/absences/{id}/decision and
// /{lang}/chair/delegations/{id}/decision (decision, note, pointId: the page to go
// back to).
func (s *Server) pageRequestDecision(kind string) gin.HandlerFunc {
	return func(c *gin.Context) {
		id, ok := s.pageID(c, "id")
		if !ok {
			return
		}
		back := "/chair/"
		if pt, err := strconv.ParseInt(c.PostForm("pointId"), 10, 64); err == nil && pt > 0 {
			back = "/chair/points/" + strconv.FormatInt(pt, 10) + "/requests"
		}
		req := decisionRequest{Decision: c.PostForm("decision"), Note: c.PostForm("note")}
		approved, err := req.approved()
		if err == nil && !attendance.StorableText(req.Note) {
			err = attendance.Invalid("note", attendance.CodeInvalid, "")
		}
		if err == nil {
			p, _ := principal(c)
			if kind == "absence" {
				_, err = s.store.DecideAbsence(c.Request.Context(), p, id, approved, req.Note)
			} else {
				_, err = s.store.DecideDelegation(c.Request.Context(), p, id, approved, req.Note)
			}
		}
		flash := kind + ".flash.rejected"
		if approved {
			flash = kind + ".flash.approved"
		}
		s.afterRequestAction(c, back, flash, err)
	}
}
