package sqlstore

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"slices"
	"time"

	"github.com/diemcau/diemcau/attendance"
	"gorm.io/gorm"
)

// ConferenceReport builds the report of a conference at the store's clock: its
// outcomes (read in bulk as ConferenceOutcomes reads them), its points, its console
// connections and the names the report prints. It returns ErrNotFound.
func (db *DB) ConferenceReport(ctx context.Context, conferenceID int64) (attendance.ConferenceReport, error) {
	return db.conferenceReport(ctx, conferenceID, 0)
}

// PointReport builds the report of one point: the conference report narrowed to it.
// It returns ErrNotFound.
func (db *DB) PointReport(ctx context.Context, pointID int64) (attendance.ConferenceReport, error) {
	var pt attendance.Point
	if err := db.q(ctx).First(&pt, pointID).Error; err != nil {
		return attendance.ConferenceReport{}, translate(err, fmt.Sprintf("point %d", pointID))
	}
	return db.conferenceReport(ctx, pt.ConferenceID, pt.ID)
}

func (db *DB) conferenceReport(ctx context.Context, conferenceID, pointID int64) (attendance.ConferenceReport, error) {
	var conf attendance.Conference
	if err := db.q(ctx).First(&conf, conferenceID).Error; err != nil {
		return attendance.ConferenceReport{}, translate(err, fmt.Sprintf("conference %d", conferenceID))
	}
	points, err := db.reportPoints(ctx, conferenceID)
	if err != nil {
		return attendance.ConferenceReport{}, err
	}
	d, err := db.loadOutcomeData(ctx, conf)
	if err != nil {
		return attendance.ConferenceReport{}, err
	}
	if pointID != 0 {
		// The point's invitees, and the secretaries and deputies of its organizations
		// wherever they were invited, whom its chair rule looks at (docs/design.md §11).
		var orgs []int64
		for _, p := range points {
			if p.ID == pointID {
				orgs = p.OrganizationIDs
			}
		}
		d.invitations = slices.DeleteFunc(d.invitations, func(v attendance.InvitationView) bool {
			officer := v.Position == attendance.PositionSecretary || v.Position == attendance.PositionDeputy
			return v.PointID != pointID && !(officer && slices.Contains(orgs, v.OrganizationID))
		})
	}
	now := db.now()
	outs := d.outcomes(now)

	presence, err := db.Presence(ctx, conferenceID, pointID)
	if err != nil {
		return attendance.ConferenceReport{}, err
	}
	var overturns []attendance.Review
	err = db.q(ctx).Where("action = ? AND absence_id IN (SELECT id FROM absence_requests WHERE conference_id = ?)",
		attendance.ReviewOverturned, conferenceID).Order("id").Find(&overturns).Error
	if err != nil {
		return attendance.ConferenceReport{}, translate(err, "report overturns")
	}
	names, err := db.reportNames(ctx, outs, presence, overturns)
	if err != nil {
		return attendance.ConferenceReport{}, err
	}
	host, parent, err := db.organizationAndParent(ctx, conf.HostOrganizationID)
	if err != nil {
		return attendance.ConferenceReport{}, err
	}
	return attendance.BuildConferenceReport(attendance.ReportInput{Conference: conf, Host: host, HostParent: parent,
		Points: points, Outcomes: outs, Presence: presence, Reviews: byAbsence(overturns), Names: names, PointID: pointID,
		Now: now}), nil
}

// byAbsence groups reviews by the request they are about, keeping their order.
func byAbsence(rs []attendance.Review) map[int64][]attendance.Review {
	out := map[int64][]attendance.Review{}
	for _, r := range rs {
		out[r.AbsenceID] = append(out[r.AbsenceID], r)
	}
	return out
}

// reportPoints reads a conference's points in report order, each with its own
// organizations (read by conference, so a national conference's 31,000 points need no
// list of IDs).
func (db *DB) reportPoints(ctx context.Context, conferenceID int64) ([]attendance.Point, error) {
	var points []attendance.Point
	if err := db.q(ctx).Where("conference_id = ?", conferenceID).Order("name, id").Find(&points).Error; err != nil {
		return nil, translate(err, "report points")
	}
	orgs, err := db.pointOrganizations(ctx, conferenceID)
	if err != nil {
		return nil, err
	}
	for i := range points {
		points[i].OrganizationIDs = orgs[points[i].ID]
		if points[i].OrganizationIDs == nil {
			points[i].OrganizationIDs = []int64{}
		}
	}
	return points, nil
}

// pointOrganizations reads the organizations of every point of a conference, by point.
func (db *DB) pointOrganizations(ctx context.Context, conferenceID int64) (map[int64][]int64, error) {
	var links []attendance.PointOrganization
	err := db.q(ctx).Raw(`SELECT po.point_id, po.organization_id FROM point_organizations po
		JOIN points p ON p.id = po.point_id WHERE p.conference_id = ? ORDER BY po.point_id, po.organization_id`,
		conferenceID).Scan(&links).Error
	if err != nil {
		return nil, translate(err, "point organizations")
	}
	out := map[int64][]int64{}
	for _, l := range links {
		out[l.PointID] = append(out[l.PointID], l.OrganizationID)
	}
	return out, nil
}

// organizationAndParent reads an organization and its parent; nil for nil or for a
// parent it does not have.
func (db *DB) organizationAndParent(ctx context.Context, id *int64) (org, parent *attendance.Organization, err error) {
	if id == nil {
		return nil, nil, nil
	}
	var o attendance.Organization
	if err := db.q(ctx).First(&o, *id).Error; err != nil {
		return nil, nil, translate(err, fmt.Sprintf("organization %d", *id))
	}
	if o.ParentID == nil {
		return &o, nil, nil
	}
	var p attendance.Organization
	if err := db.q(ctx).First(&p, *o.ParentID).Error; err != nil {
		return nil, nil, translate(err, fmt.Sprintf("organization %d", *o.ParentID))
	}
	return &o, &p, nil
}

// reportChunk bounds the IDs of one IN list, well under what either database takes.
const reportChunk = 1000

// chunked calls fn with ids in slices of at most reportChunk.
func chunked(ids []int64, fn func([]int64) error) error {
	for len(ids) > 0 {
		n := min(len(ids), reportChunk)
		if err := fn(ids[:n]); err != nil {
			return err
		}
		ids = ids[n:]
	}
	return nil
}

// idSet collects IDs without repeats.
type idSet map[int64]struct{}

func (s idSet) add(id *int64) {
	if id != nil && *id != 0 {
		s[*id] = struct{}{}
	}
}

func (s idSet) list() []int64 {
	out := make([]int64, 0, len(s))
	for id := range s {
		out = append(out, id)
	}
	slices.Sort(out)
	return out
}

// reportNames reads the names a report prints for outcomes, connections and reviews:
// the approvers of requests and delegations (accounts or members), substitutes,
// chairs, the supervisors who overturned decisions, and the members' organizations.
func (db *DB) reportNames(ctx context.Context, outs []attendance.InvitationOutcome, presence []attendance.PresenceInterval,
	reviews []attendance.Review) (attendance.ReportNames, error) {
	accounts, members, orgs := idSet{}, idSet{}, idSet{}
	for i := range reviews {
		accounts.add(&reviews[i].ReviewerAccountID)
	}
	for i := range outs {
		o := &outs[i]
		orgs.add(&o.Invitation.OrganizationID)
		if a := o.Absence; a != nil {
			accounts.add(a.DecidedByAccountID)
			members.add(a.DecidedByMemberID)
		}
		if d := o.Delegation; d != nil {
			accounts.add(d.DecidedByAccountID)
			members.add(d.DecidedByMemberID)
			members.add(&d.SubstituteID)
		}
	}
	for _, p := range presence {
		members.add(p.ChairMemberID)
	}
	n := attendance.ReportNames{Accounts: map[int64]string{}, Members: map[int64]attendance.ReportPerson{},
		Organizations: map[int64]string{}}
	q := db.q(ctx)
	err := chunked(accounts.list(), func(ids []int64) error {
		var as []attendance.Account
		if err := q.Select("id", "login", "display_name").Where("id IN ?", ids).Find(&as).Error; err != nil {
			return translate(err, "report accounts")
		}
		for _, a := range as {
			name := a.DisplayName
			if name == "" {
				name = a.Login
			}
			n.Accounts[a.ID] = name
		}
		return nil
	})
	if err != nil {
		return n, err
	}
	err = chunked(members.list(), func(ids []int64) error {
		var ms []attendance.Member
		if err := q.Select("id", "code", "full_name", "position", "organization_id").Where("id IN ?", ids).Find(&ms).Error; err != nil {
			return translate(err, "report members")
		}
		for _, m := range ms {
			n.Members[m.ID] = attendance.ReportPerson{MemberID: m.ID, Code: m.Code, FullName: m.FullName, Position: m.Position,
				OrganizationID: m.OrganizationID}
			orgs.add(&m.OrganizationID) // a substitute's organization is named too
		}
		return nil
	})
	if err != nil {
		return n, err
	}
	err = chunked(orgs.list(), func(ids []int64) error {
		var os []attendance.Organization
		if err := q.Select("id", "name").Where("id IN ?", ids).Find(&os).Error; err != nil {
			return translate(err, "report organizations")
		}
		for _, o := range os {
			n.Organizations[o.ID] = o.Name
		}
		return nil
	})
	return n, err
}

// startedSQL selects conferences that have started: by status, or by the clock for
// one the organizer has not marked started. Reports over periods leave out the
// others, whose outcomes would only say who has not arrived yet.
const startedSQL = "(status <> ? OR starts_at <= ?)"

// MemberReport builds one member's report over [from, to): every conference that
// started in it and invited them, with their outcome decided by the same rules and
// records as ConferenceOutcomes, reading only this member's records (and their
// substitutes'). It returns ErrNotFound.
func (db *DB) MemberReport(ctx context.Context, memberID int64, from, to time.Time) (attendance.MemberReport, error) {
	var m attendance.Member
	if err := db.q(ctx).First(&m, memberID).Error; err != nil {
		return attendance.MemberReport{}, translate(err, fmt.Sprintf("member %d", memberID))
	}
	m.PINHash = ""
	var org attendance.Organization
	if err := db.q(ctx).Select("id", "name").First(&org, m.OrganizationID).Error; err != nil {
		return attendance.MemberReport{}, translate(err, fmt.Sprintf("organization %d", m.OrganizationID))
	}
	now := db.now()
	var confs []attendance.Conference
	err := db.q(ctx).Where("starts_at >= ? AND starts_at < ? AND "+startedSQL, from.UTC(), to.UTC(),
		attendance.StatusScheduled, now.UTC()).
		Where("id IN (SELECT conference_id FROM invitations WHERE member_id = ? AND removed_at IS NULL)", memberID).
		Order("starts_at, id").Find(&confs).Error
	if err != nil {
		return attendance.MemberReport{}, translate(err, "member report conferences")
	}
	byID := make(map[int64]attendance.Conference, len(confs))
	var outs []attendance.InvitationOutcome
	for len(confs) > 0 {
		n := min(len(confs), 200)
		o, err := db.memberOutcomes(ctx, confs[:n], []int64{memberID}, now)
		if err != nil {
			return attendance.MemberReport{}, err
		}
		outs = append(outs, o...)
		for _, c := range confs[:n] {
			byID[c.ID] = c
		}
		confs = confs[n:]
	}
	var absences []int64
	for _, o := range outs {
		if o.Absence != nil && o.Absence.Overturned {
			absences = append(absences, o.Absence.ID)
		}
	}
	var overturns []attendance.Review
	err = chunked(absences, func(ids []int64) error {
		var rs []attendance.Review
		err := db.q(ctx).Where("action = ? AND absence_id IN ?", attendance.ReviewOverturned, ids).Order("id").Find(&rs).Error
		overturns = append(overturns, rs...)
		return translate(err, "member report overturns")
	})
	if err != nil {
		return attendance.MemberReport{}, err
	}
	names, err := db.reportNames(ctx, outs, nil, overturns)
	if err != nil {
		return attendance.MemberReport{}, err
	}
	return attendance.BuildMemberReport(attendance.MemberReportInput{Member: m, OrganizationName: org.Name, From: from,
		To: to, Now: now, Conferences: byID, Outcomes: outs, Reviews: byAbsence(overturns), Names: names}), nil
}

// memberOutcomes decides the outcomes of some members at some conferences with the
// rules and the records loadOutcomeData gathers for a whole conference, reading only
// what concerns those members and their substitutes, in a fixed number of queries. On
// PostgreSQL the reads share one snapshot, as there.
func (db *DB) memberOutcomes(ctx context.Context, confs []attendance.Conference, memberIDs []int64, now time.Time) ([]attendance.InvitationOutcome, error) {
	if len(confs) == 0 || len(memberIDs) == 0 {
		return nil, nil
	}
	var out []attendance.InvitationOutcome
	run := func(q *gorm.DB) error {
		var err error
		out, err = loadMemberOutcomes(q, confs, memberIDs, now)
		return err
	}
	if db.dialect != "postgres" {
		return out, run(db.q(ctx))
	}
	err := db.gorm.WithContext(ctx).Transaction(run, &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true})
	return out, err
}

// confMember keys a member's (or a point's) records at a conference.
type confMember struct{ conference, member int64 }

func loadMemberOutcomes(q *gorm.DB, confs []attendance.Conference, memberIDs []int64, now time.Time) ([]attendance.InvitationOutcome, error) {
	cids := make([]int64, len(confs))
	byConf := make(map[int64]*attendance.Conference, len(confs))
	for i := range confs {
		cids[i] = confs[i].ID
		byConf[confs[i].ID] = &confs[i]
	}
	named := func(args ...any) []any { return args }
	c, m := sql.Named("c", cids), sql.Named("m", memberIDs)

	rows, err := q.Raw(`SELECT i.id, i.conference_id, i.member_id, i.point_id, i.source, i.note, i.removed_at,
			i.created_at, i.updated_at, m.code, m.full_name, m.position, m.exempt, m.organization_id, p.name
		FROM invitations i JOIN members m ON m.id = i.member_id JOIN points p ON p.id = i.point_id
		WHERE i.conference_id IN @c AND i.member_id IN @m AND i.removed_at IS NULL
		ORDER BY i.conference_id, i.member_id`, named(c, m)...).Rows()
	if err != nil {
		return nil, translate(err, "member outcome invitations")
	}
	var invs []attendance.InvitationView
	for rows.Next() {
		var v attendance.InvitationView
		err := rows.Scan(&v.ID, &v.ConferenceID, &v.MemberID, &v.PointID, &v.Source, &v.Note, &v.RemovedAt,
			&v.CreatedAt, &v.UpdatedAt, &v.MemberCode, &v.FullName, &v.Position, &v.Exempt, &v.OrganizationID, &v.PointName)
		if err != nil {
			rows.Close()
			return nil, translate(err, "member outcome invitations")
		}
		invs = append(invs, v)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, translate(err, "member outcome invitations")
	}

	// The latest request or delegation that was not withdrawn speaks for the member.
	var as []attendance.AbsenceRequest
	err = q.Where("conference_id IN ? AND member_id IN ? AND status <> ?", cids, memberIDs, attendance.DecisionWithdrawn).
		Order("id").Find(&as).Error
	if err != nil {
		return nil, translate(err, "member outcome absences")
	}
	absences := map[confMember]*attendance.AbsenceRequest{}
	for i := range as {
		absences[confMember{as[i].ConferenceID, as[i].MemberID}] = &as[i]
	}
	var ds []attendance.Delegation
	err = q.Where("conference_id IN ? AND member_id IN ? AND status <> ?", cids, memberIDs, attendance.DecisionWithdrawn).
		Order("id").Find(&ds).Error
	if err != nil {
		return nil, translate(err, "member outcome delegations")
	}
	delegations := map[confMember]*attendance.Delegation{}
	people := idSet{}
	for _, id := range memberIDs {
		people.add(&id)
	}
	for i := range ds {
		delegations[confMember{ds[i].ConferenceID, ds[i].MemberID}] = &ds[i]
		people.add(&ds[i].SubstituteID)
	}
	who := people.list()
	p := sql.Named("p", who)

	var cis []attendance.CheckIn
	if err := q.Where("conference_id IN ? AND member_id IN ?", cids, who).Find(&cis).Error; err != nil {
		return nil, translate(err, "member outcome check-ins")
	}
	checkIns := make(map[confMember]*attendance.CheckIn, len(cis))
	for i := range cis {
		checkIns[confMember{cis[i].ConferenceID, cis[i].MemberID}] = &cis[i]
	}

	var rcs []attendance.RollCall
	if err := q.Where("conference_id IN ?", cids).Order("started_at, id").Find(&rcs).Error; err != nil {
		return nil, translate(err, "member outcome roll calls")
	}
	rollCalls := map[int64][]attendance.RollCall{}
	for _, rc := range rcs {
		rollCalls[rc.ConferenceID] = append(rollCalls[rc.ConferenceID], rc)
	}
	answered := map[confMember]map[int64]bool{}
	if len(rcs) > 0 {
		var ans []struct{ ConferenceID, RollCallID, MemberID int64 }
		err := q.Raw(`SELECT r.conference_id, a.roll_call_id, a.member_id FROM roll_call_answers a
			JOIN roll_calls r ON r.id = a.roll_call_id WHERE r.conference_id IN @c AND a.member_id IN @p`,
			named(c, p)...).Scan(&ans).Error
		if err != nil {
			return nil, translate(err, "member outcome roll-call answers")
		}
		for _, a := range ans {
			k := confMember{a.ConferenceID, a.MemberID}
			if answered[k] == nil {
				answered[k] = map[int64]bool{}
			}
			answered[k][a.RollCallID] = true
		}
	}

	// Secret documents are never served online, so nobody can be faulted for not
	// opening them.
	var docs []struct {
		ConferenceID int64
		N            int64
	}
	err = q.Raw(`SELECT conference_id, COUNT(*) AS n FROM documents WHERE conference_id IN @c AND secret = @f
		GROUP BY conference_id`, named(c, sql.Named("f", false))...).Scan(&docs).Error
	if err != nil {
		return nil, translate(err, "member outcome documents")
	}
	hasDocs := map[int64]bool{}
	for _, d := range docs {
		hasDocs[d.ConferenceID] = d.N > 0
	}
	var reads []struct{ ConferenceID, MemberID int64 }
	err = q.Raw(`SELECT DISTINCT doc.conference_id, rr.member_id FROM read_receipts rr JOIN documents doc ON doc.id = rr.document_id
		WHERE doc.conference_id IN @c AND doc.secret = @f AND rr.member_id IN @p`,
		named(c, p, sql.Named("f", false))...).Scan(&reads).Error
	if err != nil {
		return nil, translate(err, "member outcome read receipts")
	}
	opened := map[confMember]bool{}
	for _, r := range reads {
		opened[confMember{r.ConferenceID, r.MemberID}] = true
	}

	// An outage is a console connection that ended as one while the conference was
	// held, as loadOutcomeData counts it.
	var ends []attendance.PresenceInterval
	err = q.Model(&attendance.PresenceInterval{}).Select("conference_id", "point_id", "ended_at", "end_reason").
		Where("conference_id IN ? AND ended_at IS NOT NULL AND end_reason NOT IN ?", cids,
			[]string{attendance.EndShutdown, attendance.EndReplaced}).Find(&ends).Error
	if err != nil {
		return nil, translate(err, "member outcome outages")
	}
	outages := map[confMember]bool{} // conference, point
	for _, e := range ends {
		if e.OutageDuring(byConf[e.ConferenceID]) {
			outages[confMember{e.ConferenceID, e.PointID}] = true
		}
	}

	out := make([]attendance.InvitationOutcome, len(invs))
	for i, inv := range invs {
		k := confMember{inv.ConferenceID, inv.MemberID}
		in := attendance.OutcomeInput{
			Invitation:      inv,
			CheckIn:         checkIns[k],
			RollCalls:       rollCalls[inv.ConferenceID],
			Answered:        answered[k],
			HasDocuments:    hasDocs[inv.ConferenceID],
			OpenedMaterials: opened[k],
			Absence:         absences[k],
			Delegation:      delegations[k],
			PointOutage:     outages[confMember{inv.ConferenceID, inv.PointID}],
			Now:             now,
		}
		if dg := in.Delegation; dg != nil {
			sk := confMember{inv.ConferenceID, dg.SubstituteID}
			in.SubstituteCheckIn = checkIns[sk]
			in.SubstituteAnswered = answered[sk]
			in.SubstituteOpenedMaterials = opened[sk]
		}
		out[i] = attendance.InvitationOutcome{Invitation: inv, Result: attendance.Outcome(byConf[inv.ConferenceID], in),
			CheckIn: in.CheckIn, Absence: in.Absence, Delegation: in.Delegation, SubstituteCheckIn: in.SubstituteCheckIn}
	}
	return out, nil
}

// OrganizationYearReport builds the yearly report of an organization and those under
// it (seed 000): the conferences they held and those their members were invited to
// that started in the calendar year (Vietnam time), each decided by the same rules as
// ConferenceOutcomes, one conference at a time so that memory stays bounded by the
// largest. It returns ErrNotFound.
func (db *DB) OrganizationYearReport(ctx context.Context, organizationID int64, year int) (attendance.OrganizationYearReport, error) {
	org, parent, err := db.organizationAndParent(ctx, &organizationID)
	if err != nil {
		return attendance.OrganizationYearReport{}, err
	}
	ids, err := db.Subtree(ctx, organizationID)
	if err != nil {
		return attendance.OrganizationYearReport{}, err
	}
	var units []attendance.Organization
	err = chunked(ids, func(part []int64) error {
		var us []attendance.Organization
		if err := db.q(ctx).Where("id IN ?", part).Find(&us).Error; err != nil {
			return translate(err, "report units")
		}
		units = append(units, us...)
		return nil
	})
	if err != nil {
		return attendance.OrganizationYearReport{}, err
	}
	now := db.now()
	from, to := attendance.YearBounds(year)

	// The conferences: held by one of the units, or inviting one of their members.
	confIDs := idSet{}
	var confs []attendance.Conference
	err = chunked(ids, func(part []int64) error {
		var cs []attendance.Conference
		err := db.q(ctx).Where("starts_at >= ? AND starts_at < ? AND "+startedSQL, from, to, attendance.StatusScheduled, now.UTC()).
			Where(`(host_organization_id IN @u OR id IN (SELECT i.conference_id FROM invitations i
				JOIN members m ON m.id = i.member_id WHERE i.removed_at IS NULL AND m.organization_id IN @u))`,
				sql.Named("u", part)).Find(&cs).Error
		if err != nil {
			return translate(err, "report conferences of the year")
		}
		for _, c := range cs {
			if _, dup := confIDs[c.ID]; !dup {
				confIDs.add(&c.ID)
				confs = append(confs, c)
			}
		}
		return nil
	})
	if err != nil {
		return attendance.OrganizationYearReport{}, err
	}
	slices.SortFunc(confs, func(a, b attendance.Conference) int {
		return cmp.Or(a.StartsAt.Compare(b.StartsAt), cmp.Compare(a.ID, b.ID))
	})

	hosts, points := idSet{}, map[int64]int{}
	for _, c := range confs {
		hosts.add(c.HostOrganizationID)
	}
	hostNames := map[int64]string{}
	err = chunked(hosts.list(), func(part []int64) error {
		var os []attendance.Organization
		if err := db.q(ctx).Select("id", "name").Where("id IN ?", part).Find(&os).Error; err != nil {
			return translate(err, "report hosts")
		}
		for _, o := range os {
			hostNames[o.ID] = o.Name
		}
		return nil
	})
	if err != nil {
		return attendance.OrganizationYearReport{}, err
	}
	err = chunked(confIDs.list(), func(part []int64) error {
		var ns []struct {
			ConferenceID int64
			N            int
		}
		err := db.q(ctx).Raw("SELECT conference_id, COUNT(*) AS n FROM points WHERE conference_id IN ? GROUP BY conference_id",
			part).Scan(&ns).Error
		if err != nil {
			return translate(err, "report points per conference")
		}
		for _, n := range ns {
			points[n.ConferenceID] = n.N
		}
		return nil
	})
	if err != nil {
		return attendance.OrganizationYearReport{}, err
	}

	inUnits := make(map[int64]bool, len(ids))
	for _, id := range ids {
		inUnits[id] = true
	}
	r := attendance.NewOrganizationYearReport(*org, parent, year, now, units)
	for _, c := range confs {
		d, err := db.loadOutcomeData(ctx, c)
		if err != nil {
			return attendance.OrganizationYearReport{}, err
		}
		outs := d.outcomes(now)
		host, hostName := int64(0), ""
		if c.HostOrganizationID != nil {
			host, hostName = *c.HostOrganizationID, hostNames[*c.HostOrganizationID]
		}
		if inUnits[host] {
			r.AddOrganized(c, host, hostName, points[c.ID], outs)
		}
		r.AddAttended(c, hostName, outs)
	}
	r.Finish()
	return *r, nil
}
