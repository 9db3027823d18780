package api

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/diemcau/diemcau/attendance"
	"github.com/gin-gonic/gin"
)

// conferenceView is a conference as the admin pages show it, times in Vietnam.
type conferenceView struct {
	ID          int64
	Title       string
	Description string
	HostID      int64
	HostName    string
	Starts      string
	Ends        string
	// When is the span from start to end, the end's date left out on the same day.
	When   string
	Status attendance.ConferenceStatus
	// Minutes of the check-in lead and the graces.
	CheckinLead     int
	LateGrace       int
	EarlyLeaveGrace int
	Positions       []attendance.Position
	StartedAt       string
	EndedAt         string
	ClosedAt        string
	// AuditHead is the audit log's head recorded at the last closing, as the report
	// prints it.
	AuditHead string
	// Editable is false once the conference is closed; Scheduled while it has not started.
	Editable  bool
	Scheduled bool
	// Next is the action that moves the conference on: start, end, close or none.
	Next string
}

func toConferenceView(c attendance.Conference, idx orgIndex) conferenceView {
	v := conferenceView{ID: c.ID, Title: c.Title, Description: c.Description, Starts: vnTime(c.StartsAt),
		Ends: vnTime(c.EndsAt), When: vnSpan(c.StartsAt, c.EndsAt), Status: c.Status, CheckinLead: int(c.CheckinLead / time.Minute),
		LateGrace: int(c.LateGrace / time.Minute), EarlyLeaveGrace: int(c.EarlyLeaveGrace / time.Minute),
		Positions: c.Positions(), Editable: c.Editable(), Scheduled: c.Status == attendance.StatusScheduled}
	if c.HostOrganizationID != nil {
		v.HostID, v.HostName = *c.HostOrganizationID, idx.name(*c.HostOrganizationID)
	}
	at := func(t *time.Time) string {
		if t == nil {
			return ""
		}
		return vnTime(*t)
	}
	v.StartedAt, v.EndedAt, v.ClosedAt = at(c.StartedAt), at(c.EndedAt), at(c.ClosedAt)
	if h, ok := c.AuditHead(); ok {
		v.AuditHead = h.Label()
	}
	for _, a := range []string{"start", "end", "close"} {
		if _, err := c.Transition(a); err == nil {
			v.Next = a
		}
	}
	return v
}

// vnSpan shows a time span in Vietnam: "07/02/2026 08:00 – 11:30", with the end's
// date only when it falls on another day.
func vnSpan(from, to time.Time) string {
	if from.IsZero() || to.IsZero() {
		return vnTime(from) + " – " + vnTime(to)
	}
	f, t := from.In(attendance.VietnamTime), to.In(attendance.VietnamTime)
	if f.Format("20060102") == t.Format("20060102") {
		return vnTime(f) + " – " + t.Format("15:04")
	}
	return vnTime(f) + " – " + vnTime(t)
}

var conferenceStatuses = []attendance.ConferenceStatus{attendance.StatusScheduled, attendance.StatusLive,
	attendance.StatusEnded, attendance.StatusClosed}

// pageConferences handles GET /{lang}/admin/conferences?status=&q=&page=.
func (s *Server) pageConferences() gin.HandlerFunc {
	type data struct {
		Section  string
		Rows     []conferenceView
		Pager    pager
		Statuses []attendance.ConferenceStatus
	}
	return func(c *gin.Context) {
		p, _ := principal(c)
		d := s.newPage(c, "page.conferences")
		d.Form = filters(c, "status", "q")
		f := attendance.ConferenceFilter{Scope: p.Scope(), Page: listPage(c)}
		for _, st := range conferenceStatuses {
			if string(st) == d.Form["status"] {
				f.Status = st
			}
		}
		if f.Status == "" {
			d.Form["status"] = ""
		}
		f.Query = d.Form["q"]
		if len([]rune(f.Query)) > 100 {
			f.Query = string([]rune(f.Query)[:100])
		}
		l, err := s.store.Conferences(c.Request.Context(), f)
		if err != nil {
			s.pageFail(c, err)
			return
		}
		idx, err := s.orgIndex(c)
		if err != nil {
			s.pageFail(c, err)
			return
		}
		out := data{Section: "conferences", Statuses: conferenceStatuses,
			Pager: newPager(c.Request.URL.Path, c.Request.URL.Query(), l.Total, l.Page)}
		for _, conf := range l.Items {
			out.Rows = append(out.Rows, toConferenceView(conf, idx))
		}
		d.Data = out
		s.render(c, http.StatusOK, "admin_conferences", d)
	}
}

// conferenceFormData is what the conference form shows besides the fields.
type conferenceFormData struct {
	Section   string
	ID        int64
	Orgs      []orgOption
	Positions []attendance.Position
}

var allPositions = []attendance.Position{attendance.PositionSecretary, attendance.PositionDeputy, attendance.PositionMember}

// conferenceForm renders the conference form: new when id is 0.
func (s *Server) conferenceForm(c *gin.Context, d pageData, id int64, status int, err error) {
	idx, ierr := s.orgIndex(c)
	if ierr != nil {
		s.pageFail(c, ierr)
		return
	}
	d.Data = conferenceFormData{Section: "conferences", ID: id, Orgs: idx.options(0), Positions: allPositions}
	if err != nil {
		s.showProblem(c, d, "admin_conference_form", err)
		return
	}
	s.render(c, status, "admin_conference_form", d)
}

// readConference copies the form onto conf. Times are typed in Vietnam's time.
func readConference(f *pageForm, conf *attendance.Conference) {
	conf.Title = f.str("title")
	conf.Description = f.str("description")
	conf.HostOrganizationID = f.optID("hostOrganizationId")
	conf.StartsAt = f.when("startsAt")
	conf.EndsAt = f.when("endsAt")
	conf.CheckinLead = f.minutes("checkinLeadMinutes")
	conf.LateGrace = f.minutes("lateGraceMinutes")
	conf.EarlyLeaveGrace = f.minutes("earlyLeaveGraceMinutes")
	var ps []attendance.Position
	for _, v := range f.c.PostFormArray("invitePositions") {
		p := attendance.Position(v)
		if !p.Valid() {
			f.fail("invitePositions", attendance.CodeOneOf, "secretary,deputy,member")
			continue
		}
		f.values["invitePositions."+v] = "on"
		ps = append(ps, p)
	}
	conf.SetPositions(ps)
}

func conferenceValues(conf attendance.Conference) map[string]string {
	v := map[string]string{"title": conf.Title, "description": conf.Description,
		"hostOrganizationId": optIDString(conf.HostOrganizationID), "startsAt": vnLocal(conf.StartsAt),
		"endsAt": vnLocal(conf.EndsAt), "checkinLeadMinutes": strconv.Itoa(int(conf.CheckinLead / time.Minute)),
		"lateGraceMinutes":       strconv.Itoa(int(conf.LateGrace / time.Minute)),
		"earlyLeaveGraceMinutes": strconv.Itoa(int(conf.EarlyLeaveGrace / time.Minute))}
	for _, p := range conf.Positions() {
		v["invitePositions."+string(p)] = "on"
	}
	return v
}

// pageConferenceNew handles GET /{lang}/admin/conferences/new.
func (s *Server) pageConferenceNew() gin.HandlerFunc {
	return func(c *gin.Context) {
		d := s.newPage(c, "page.conferenceNew")
		d.Form = conferenceValues(attendance.Conference{CheckinLead: attendance.DefaultCheckinLead,
			LateGrace: attendance.DefaultLateGrace, EarlyLeaveGrace: attendance.DefaultEarlyLeaveGrace})
		s.conferenceForm(c, d, 0, http.StatusOK, nil)
	}
}

// pageConferenceCreate handles POST /{lang}/admin/conferences.
func (s *Server) pageConferenceCreate() gin.HandlerFunc {
	return func(c *gin.Context) {
		f := newPageForm(c)
		var conf attendance.Conference
		readConference(f, &conf)
		err := f.err(func() error { conf.Normalize(); return conf.Validate() })
		if err == nil {
			err = s.store.CreateConference(c.Request.Context(), &conf)
		}
		if err != nil {
			d := s.newPage(c, "page.conferenceNew")
			d.Form = f.values
			s.conferenceForm(c, d, 0, 0, err)
			return
		}
		s.seeOther(c, "flash.saved", "/admin/conferences/"+idString(conf.ID))
	}
}

// pageConferenceEdit handles GET /{lang}/admin/conferences/{id}/edit.
func (s *Server) pageConferenceEdit() gin.HandlerFunc {
	return func(c *gin.Context) {
		id, ok := s.pageID(c, "id")
		if !ok {
			return
		}
		p, _ := principal(c)
		conf, err := s.store.Conference(c.Request.Context(), p.Scope(), id)
		if err != nil {
			s.pageFail(c, err)
			return
		}
		d := s.newPage(c, "page.conferenceEdit")
		d.Form = conferenceValues(conf)
		s.conferenceForm(c, d, id, http.StatusOK, nil)
	}
}

// pageConferenceUpdate handles POST /{lang}/admin/conferences/{id}.
func (s *Server) pageConferenceUpdate() gin.HandlerFunc {
	return func(c *gin.Context) {
		id, ok := s.pageID(c, "id")
		if !ok {
			return
		}
		ctx := c.Request.Context()
		conf, err := s.store.Conference(ctx, attendance.Scope{All: true}, id)
		if err != nil {
			s.pageFail(c, err)
			return
		}
		f := newPageForm(c)
		readConference(f, &conf)
		err = f.err(func() error { conf.Normalize(); return conf.Validate() })
		if err == nil {
			err = s.store.UpdateConference(ctx, &conf)
		}
		if err != nil {
			d := s.newPage(c, "page.conferenceEdit")
			d.Path = "/admin/conferences/" + idString(id) + "/edit"
			d.Form = f.values
			s.conferenceForm(c, d, id, 0, err)
			return
		}
		s.seeOther(c, "flash.saved", "/admin/conferences/"+idString(id))
	}
}

// pointRow is a point in a conference's list, with how many are invited there.
type pointRow struct {
	ID       int64
	Name     string
	Location string
	Orgs     []string
	Invited  int64
	Reports  reportGroup
}

// conferenceData is what the conference page shows.
type conferenceData struct {
	Section   string
	Conf      conferenceView
	Points    []pointRow
	Pager     pager
	Invited   int64
	Orgs      []orgOption
	CanEdit   bool
	Documents []documentJSON
	// Reports are the conference's report and its host's report of the year; each
	// point's is on its row.
	Reports []reportGroup
	Final   bool
}

// showConference renders the conference page with status: its details, its points and
// the form to add one. A problem in d (a refused transition, a point that did not
// save) comes with it.
func (s *Server) showConference(c *gin.Context, d pageData, id int64, status int) {
	ctx := c.Request.Context()
	p, _ := principal(c)
	conf, err := s.store.Conference(ctx, p.Scope(), id)
	if err != nil {
		s.pageFail(c, err)
		return
	}
	idx, err := s.orgIndex(c)
	if err != nil {
		s.pageFail(c, err)
		return
	}
	page := listPage(c)
	if c.Request.Method != http.MethodGet {
		page.Number = 1
	}
	points, err := s.store.Points(ctx, attendance.PointFilter{ConferenceID: id, Scope: p.Scope(), Page: page})
	if err != nil {
		s.pageFail(c, err)
		return
	}
	invited, err := s.store.Invitations(ctx, attendance.InvitationFilter{ConferenceID: id, Scope: p.Scope(),
		Page: attendance.Page{Size: 1}})
	if err != nil {
		s.pageFail(c, err)
		return
	}
	out := conferenceData{Section: "conferences", Conf: toConferenceView(conf, idx), Invited: invited.Total,
		Orgs: idx.options(0), CanEdit: p.Is(attendance.RoleAdmin, attendance.RoleOrganizer),
		Pager: newPager("/"+d.Lang+"/admin/conferences/"+idString(id), url.Values{}, points.Total, points.Page)}
	out.Final = conf.Status == attendance.StatusClosed
	out.Reports = append(out.Reports, s.conferenceReports(d.Lang, conf))
	if conf.HostOrganizationID != nil {
		host := attendance.Organization{ID: *conf.HostOrganizationID, Name: idx.name(*conf.HostOrganizationID)}
		out.Reports = append(out.Reports, s.organizationReports(d.Lang, host, conf.StartsAt.In(attendance.VietnamTime).Year())...)
	}
	for _, pt := range points.Items {
		row := pointRow{ID: pt.ID, Name: pt.Name, Location: pt.Location, Reports: s.pointReports(d.Lang, pt)}
		for _, oid := range pt.OrganizationIDs {
			row.Orgs = append(row.Orgs, idx.name(oid))
		}
		n, err := s.store.Invitations(ctx, attendance.InvitationFilter{ConferenceID: id, PointID: pt.ID, Scope: p.Scope(),
			Page: attendance.Page{Size: 1}})
		if err != nil {
			s.pageFail(c, err)
			return
		}
		row.Invited = n.Total
		out.Points = append(out.Points, row)
	}
	docs, err := s.store.Documents(ctx, id, true)
	if err != nil {
		s.pageFail(c, err)
		return
	}
	for _, doc := range docs {
		out.Documents = append(out.Documents, toDocument(doc))
	}
	d.Title = conf.Title
	d.Data = out
	s.render(c, status, "admin_conference", d)
}

// pageConference handles GET /{lang}/admin/conferences/{id}?page=.
func (s *Server) pageConference() gin.HandlerFunc {
	return func(c *gin.Context) {
		id, ok := s.pageID(c, "id")
		if !ok {
			return
		}
		s.showConference(c, s.newPage(c, "page.conference"), id, http.StatusOK)
	}
}

// conferenceProblem shows the conference page with the problem of err, explained by
// messageID when err is an invalid transition.
func (s *Server) conferenceProblem(c *gin.Context, id int64, err error, form map[string]string, messageID string) {
	d := s.newPage(c, "page.conference")
	d.Path = "/admin/conferences/" + idString(id)
	d.Form = form
	p := s.problemFor(err, d.Lang)
	if p.Status == http.StatusNotFound || p.Status >= 500 {
		s.pageFail(c, err)
		return
	}
	d.Problem = &p
	if messageID != "" {
		s.explain(&d, err, attendance.ErrInvalidTransition, messageID)
	}
	s.showConference(c, d, id, p.Status)
}

// pageConferenceDelete handles POST /{lang}/admin/conferences/{id}/delete (scheduled only).
func (s *Server) pageConferenceDelete() gin.HandlerFunc {
	return func(c *gin.Context) {
		id, ok := s.pageID(c, "id")
		if !ok {
			return
		}
		if err := s.store.DeleteConference(c.Request.Context(), id); err != nil {
			s.conferenceProblem(c, id, err, nil, "conf.deleteStarted")
			return
		}
		s.seeOther(c, "flash.deleted", "/admin/conferences")
	}
}

// pageConferenceTransition handles POST /{lang}/admin/conferences/{id}/start|end|close.
func (s *Server) pageConferenceTransition(action string) gin.HandlerFunc {
	return func(c *gin.Context) {
		id, ok := s.pageID(c, "id")
		if !ok {
			return
		}
		if _, err := s.store.TransitionConference(c.Request.Context(), id, action); err != nil {
			s.conferenceProblem(c, id, err, nil, "")
			return
		}
		s.seeOther(c, "flash."+action, "/admin/conferences/"+idString(id))
	}
}

// pagePointCreate handles POST /{lang}/admin/conferences/{id}/points.
func (s *Server) pagePointCreate() gin.HandlerFunc {
	return func(c *gin.Context) {
		id, ok := s.pageID(c, "id")
		if !ok {
			return
		}
		f := newPageForm(c)
		pt := attendance.Point{ConferenceID: id, Name: f.str("name"), Location: f.str("location"),
			OrganizationIDs: f.ids("organizationIds")}
		for _, oid := range pt.OrganizationIDs {
			f.values["organizationIds."+idString(oid)] = "on"
		}
		err := f.err(func() error { pt.Normalize(); return pt.Validate() })
		if err == nil {
			err = s.store.CreatePoint(c.Request.Context(), &pt)
		}
		if err != nil {
			s.conferenceProblem(c, id, err, f.values, "conf.closedPoints")
			return
		}
		s.seeOther(c, "flash.saved", "/admin/conferences/"+idString(id))
	}
}

// pagePointDelete handles POST /{lang}/admin/conferences/{id}/points/{pid}/delete.
func (s *Server) pagePointDelete() gin.HandlerFunc {
	return func(c *gin.Context) {
		id, ok := s.pageID(c, "id")
		if !ok {
			return
		}
		pid, ok := s.pageID(c, "pid")
		if !ok {
			return
		}
		ctx := c.Request.Context()
		pt, err := s.store.Point(ctx, attendance.Scope{All: true}, pid)
		if err == nil && pt.ConferenceID != id {
			err = attendance.ErrNotFound
		}
		if err == nil {
			err = s.store.DeletePoint(ctx, pid)
		}
		if err != nil {
			s.conferenceProblem(c, id, err, nil, "conf.startedPoints")
			return
		}
		s.seeOther(c, "flash.deleted", "/admin/conferences/"+idString(id))
	}
}

// invitationRow is an invitation in the list.
type invitationRow struct {
	ID         int64
	PointName  string
	MemberID   int64
	MemberCode string
	FullName   string
	Position   attendance.Position
	Exempt     bool
	Source     attendance.InvitationSource
	Note       string
}

// invitationsData is what the invitations page shows: the list, its filters, and the
// search for one more person to invite.
type invitationsData struct {
	Section string
	Conf    conferenceView
	Rows    []invitationRow
	Pager   pager
	Points  []pointOption
	CanEdit bool
	// Back is the list's query, so a removal returns to the same page.
	Back string
	// Find is the search for a member to invite; Found the members it matched who are
	// not invited yet, each with the point offered first.
	Find  string
	Found []inviteCandidate
	// Sent is what an invitation form sent back with a problem.
	Sent map[string]string
}

type pointOption struct {
	ID   string
	Name string
}

// inviteCandidate is a member the organizer may invite, with the point of their
// organization when there is one.
type inviteCandidate struct {
	ID       int64
	Code     string
	FullName string
	OrgName  string
	Position attendance.Position
	Exempt   bool
	PointID  string
}

// pageInvitations handles GET /{lang}/admin/conferences/{id}/invitations?q=&pointId=&page=&find=.
func (s *Server) pageInvitations() gin.HandlerFunc {
	return func(c *gin.Context) {
		id, ok := s.pageID(c, "id")
		if !ok {
			return
		}
		s.showInvitations(c, s.newPage(c, "page.invitations"), id, http.StatusOK)
	}
}

// showInvitations renders the invitations of conference id with status, filtered by
// the query, and the members that find matched; a problem in d comes with it.
func (s *Server) showInvitations(c *gin.Context, d pageData, id int64, status int) {
	ctx := c.Request.Context()
	p, _ := principal(c)
	conf, err := s.store.Conference(ctx, p.Scope(), id)
	if err != nil {
		s.pageFail(c, err)
		return
	}
	form := filters(c, "q", "pointId", "find")
	f := attendance.InvitationFilter{ConferenceID: id, Scope: p.Scope(), Page: listPage(c), Query: truncate(form["q"], 100)}
	if n, err := strconv.ParseInt(form["pointId"], 10, 64); err == nil && n > 0 {
		f.PointID = n
	} else {
		form["pointId"] = ""
	}
	l, err := s.store.Invitations(ctx, f)
	if err != nil {
		s.pageFail(c, err)
		return
	}
	points, err := s.store.Points(ctx, attendance.PointFilter{ConferenceID: id, Scope: p.Scope(),
		Page: attendance.Page{Size: attendance.MaxPageSize}})
	if err != nil {
		s.pageFail(c, err)
		return
	}
	out := invitationsData{Section: "conferences", Conf: toConferenceView(conf, orgIndex{}),
		CanEdit: p.Is(attendance.RoleAdmin, attendance.RoleOrganizer) && conf.Editable(),
		Pager:   newPager(c.Request.URL.Path, c.Request.URL.Query(), l.Total, l.Page), Back: c.Request.URL.RawQuery,
		Find: form["find"], Sent: d.Form}
	for _, pt := range points.Items {
		out.Points = append(out.Points, pointOption{ID: idString(pt.ID), Name: pt.Name})
	}
	for _, v := range l.Items {
		out.Rows = append(out.Rows, invitationRow{ID: v.ID, PointName: v.PointName, MemberID: v.MemberID,
			MemberCode: v.MemberCode, FullName: v.FullName, Position: v.Position, Exempt: v.Exempt, Source: v.Source,
			Note: v.Note})
	}
	if out.CanEdit && out.Find != "" {
		if out.Found, err = s.inviteCandidates(c, id, truncate(out.Find, 100), points.Items); err != nil {
			s.pageFail(c, err)
			return
		}
	}
	d.Form = form
	d.Title = s.i18n.T(d.Lang, "page.invitations") + " · " + conf.Title
	d.Data = out
	s.render(c, status, "admin_invitations", d)
}

// maxCandidates bounds the members a search for one more invitee shows: a name
// typed in part should narrow it, not page through the roster.
const maxCandidates = 20

// inviteCandidates are the active members matching find who have no invitation to
// conference id yet, each offered the point their organization takes part in.
func (s *Server) inviteCandidates(c *gin.Context, id int64, find string, points []attendance.Point) ([]inviteCandidate, error) {
	p, _ := principal(c)
	active := true
	l, err := s.store.Members(c.Request.Context(), attendance.MemberFilter{Query: find, NotInvitedTo: id, Active: &active,
		Scope: p.Scope(), Page: attendance.Page{Size: maxCandidates}})
	if err != nil {
		return nil, err
	}
	idx, err := s.orgIndex(c)
	if err != nil {
		return nil, err
	}
	var out []inviteCandidate
	for _, m := range l.Items {
		cand := inviteCandidate{ID: m.ID, Code: m.Code, FullName: m.FullName, OrgName: idx.name(m.OrganizationID),
			Position: m.Position, Exempt: m.Exempt}
		for _, pt := range points {
			if slices.Contains(pt.OrganizationIDs, m.OrganizationID) {
				cand.PointID = idString(pt.ID)
				break
			}
		}
		out = append(out, cand)
	}
	return out, nil
}

// pageInvitationCreate handles POST /{lang}/admin/conferences/{id}/invitations
// (memberId, pointId, note): one person invited by hand, as the API's POST does. A
// problem shows the page again with the search that found them.
func (s *Server) pageInvitationCreate() gin.HandlerFunc {
	return func(c *gin.Context) {
		id, ok := s.pageID(c, "id")
		if !ok {
			return
		}
		f := newPageForm(c)
		inv := attendance.Invitation{ConferenceID: id, MemberID: f.id("memberId"), PointID: f.id("pointId"), Note: f.str("note")}
		err := f.err(func() error { return nil })
		if err == nil {
			err = s.store.CreateInvitation(c.Request.Context(), &inv)
		}
		if err != nil {
			d := s.newPage(c, "page.invitations")
			p := s.problemFor(err, d.Lang)
			if p.Status == http.StatusNotFound || p.Status >= 500 {
				s.pageFail(c, err)
				return
			}
			d.Problem = &p
			d.Form = f.values
			q := url.Values{"find": {c.PostForm("find")}}
			c.Request.URL.RawQuery = q.Encode()
			d.Path = "/admin/conferences/" + idString(id) + "/invitations?" + q.Encode()
			s.explain(&d, err, attendance.ErrInvalidTransition, "conf.closedPoints")
			s.showInvitations(c, d, id, p.Status)
			return
		}
		v, err := s.store.Invitation(c.Request.Context(), attendance.Scope{All: true}, inv.ID)
		if err != nil {
			s.pageFail(c, err)
			return
		}
		s.seeOther(c, "inv.added", invitationsBack(id, url.Values{"q": {v.MemberCode}}.Encode()))
	}
}

// truncate cuts s to n characters.
func truncate(s string, n int) string {
	if rs := []rune(s); len(rs) > n {
		return string(rs[:n])
	}
	return s
}

// invitationsBack is the invitation list of conference id with the query a form sent
// back, re-encoded so it can only carry the list's own parameters.
func invitationsBack(id int64, back string) string {
	path := "/admin/conferences/" + idString(id) + "/invitations"
	q, err := url.ParseQuery(back)
	if err != nil {
		return path
	}
	v := url.Values{}
	for _, k := range []string{"q", "pointId", "page"} {
		if x := q.Get(k); x != "" {
			v.Set(k, x)
		}
	}
	if len(v) == 0 {
		return path
	}
	return path + "?" + v.Encode()
}

// pageInvitationsGenerate handles POST /{lang}/admin/conferences/{id}/invitations/generate.
func (s *Server) pageInvitationsGenerate() gin.HandlerFunc {
	return func(c *gin.Context) {
		id, ok := s.pageID(c, "id")
		if !ok {
			return
		}
		if _, err := s.store.GenerateInvitations(c.Request.Context(), id); err != nil {
			s.conferenceProblem(c, id, err, nil, "conf.closedPoints")
			return
		}
		s.seeOther(c, "flash.generated", "/admin/conferences/"+idString(id))
	}
}

// pageInvitationDelete handles POST /{lang}/admin/conferences/{id}/invitations/{iid}/delete.
func (s *Server) pageInvitationDelete() gin.HandlerFunc {
	return func(c *gin.Context) {
		id, ok := s.pageID(c, "id")
		if !ok {
			return
		}
		iid, ok := s.pageID(c, "iid")
		if !ok {
			return
		}
		ctx := c.Request.Context()
		v, err := s.store.Invitation(ctx, attendance.Scope{All: true}, iid)
		if err == nil && v.ConferenceID != id {
			err = attendance.ErrNotFound
		}
		if err == nil {
			err = s.store.DeleteInvitation(ctx, iid)
		}
		if err != nil {
			s.conferenceProblem(c, id, err, nil, "conf.closedPoints")
			return
		}
		s.seeOther(c, "flash.removed", invitationsBack(id, c.PostForm("back")))
	}
}

// pageDocumentUpload handles POST /{lang}/admin/conferences/{id}/documents (file,
// title, secret).
func (s *Server) pageDocumentUpload() gin.HandlerFunc {
	return func(c *gin.Context) {
		id, ok := s.pageID(c, "id")
		if !ok {
			return
		}
		if _, err := s.uploadDocument(c, id); err != nil {
			s.conferenceProblem(c, id, err, map[string]string{"docTitle": c.PostForm("title")}, "")
			return
		}
		s.seeOther(c, "doc.uploaded", "/admin/conferences/"+idString(id))
	}
}

// pageDocumentDelete handles POST /{lang}/admin/conferences/{id}/documents/{did}/delete.
func (s *Server) pageDocumentDelete() gin.HandlerFunc {
	return func(c *gin.Context) {
		id, ok := s.pageID(c, "id")
		if !ok {
			return
		}
		did, ok := s.pageID(c, "did")
		if !ok {
			return
		}
		ctx := c.Request.Context()
		doc, err := s.store.Document(ctx, did)
		if err == nil && doc.ConferenceID != id {
			err = attendance.ErrNotFound
		}
		if err == nil {
			err = s.store.DeleteDocument(ctx, did)
		}
		if err != nil {
			s.conferenceProblem(c, id, err, nil, "")
			return
		}
		s.seeOther(c, "flash.deleted", "/admin/conferences/"+idString(id))
	}
}
