package sqlstore

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/diemcau/diemcau/attendance"
	"gorm.io/gorm"
)

// outcomeData is every record of one conference that decides its outcomes, loaded in
// bulk: a fixed handful of queries whatever the number of invitations.
type outcomeData struct {
	conf        attendance.Conference
	invitations []attendance.InvitationView
	checkIns    map[int64]*attendance.CheckIn // by member, invited or substitute
	rollCalls   []attendance.RollCall
	answered    map[int64]map[int64]bool // member → roll call → answered
	absences    map[int64]*attendance.AbsenceRequest
	delegations map[int64]*attendance.Delegation
	opened      map[int64]bool // member opened at least one document
	hasDocs     bool
	outages     map[int64]bool // point → its console went offline during the conference
}

// loadOutcomeData reads a conference's records for its outcomes. On PostgreSQL the
// reads share one read-only snapshot, so a decision or check-in landing meanwhile is
// seen by all of them or none.
func (db *DB) loadOutcomeData(ctx context.Context, conf attendance.Conference) (*outcomeData, error) {
	if db.dialect != "postgres" {
		return loadOutcomeData(db.q(ctx), conf)
	}
	var d *outcomeData
	err := db.gorm.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var err error
		d, err = loadOutcomeData(tx, conf)
		return err
	}, &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true})
	return d, err
}

func loadOutcomeData(q *gorm.DB, conf attendance.Conference) (*outcomeData, error) {
	d := &outcomeData{conf: conf}
	cid := conf.ID

	// The two big reads are scanned by hand, since GORM's reflection would cost more
	// than the database does at 100,000 rows, into slices allocated once: counted
	// first, not regrown row by row.
	var n struct{ Invitations, CheckIns int }
	err := q.Raw(`SELECT (SELECT COUNT(*) FROM invitations WHERE conference_id = @c AND removed_at IS NULL) AS invitations,
		(SELECT COUNT(*) FROM check_ins WHERE conference_id = @c) AS check_ins`, sql.Named("c", cid)).Scan(&n).Error
	if err != nil {
		return nil, translate(err, "outcome counts")
	}
	if d.invitations, err = scanInvitationViews(q, cid, n.Invitations); err != nil {
		return nil, translate(err, "outcome invitations")
	}
	cis, err := scanCheckIns(q, cid, n.CheckIns)
	if err != nil {
		return nil, translate(err, "outcome check-ins")
	}
	d.checkIns = make(map[int64]*attendance.CheckIn, len(cis))
	for i := range cis {
		d.checkIns[cis[i].MemberID] = &cis[i]
	}

	if err := q.Where("conference_id = ?", cid).Order("started_at, id").Find(&d.rollCalls).Error; err != nil {
		return nil, translate(err, "outcome roll calls")
	}
	if d.answered, err = scanAnswers(q, cid, len(d.rollCalls)); err != nil {
		return nil, translate(err, "outcome roll-call answers")
	}

	// The latest request that was not withdrawn speaks for the member: rows come in ID
	// order and later ones replace earlier ones.
	var as []attendance.AbsenceRequest
	err = q.Where("conference_id = ? AND status <> ?", cid, attendance.DecisionWithdrawn).Order("id").Find(&as).Error
	if err != nil {
		return nil, translate(err, "outcome absences")
	}
	d.absences = make(map[int64]*attendance.AbsenceRequest, len(as))
	for i := range as {
		d.absences[as[i].MemberID] = &as[i]
	}
	var ds []attendance.Delegation
	err = q.Where("conference_id = ? AND status <> ?", cid, attendance.DecisionWithdrawn).Order("id").Find(&ds).Error
	if err != nil {
		return nil, translate(err, "outcome delegations")
	}
	d.delegations = make(map[int64]*attendance.Delegation, len(ds))
	for i := range ds {
		d.delegations[ds[i].MemberID] = &ds[i]
	}

	// Secret documents are never served online, so nobody can be faulted for not
	// opening them.
	var docs int64
	if err := q.Model(&attendance.Document{}).Where("conference_id = ? AND secret = ?", cid, false).Count(&docs).Error; err != nil {
		return nil, translate(err, "outcome documents")
	}
	d.hasDocs = docs > 0
	d.opened = map[int64]bool{}
	if d.hasDocs {
		var readers []int64
		err := q.Raw(`SELECT DISTINCT rr.member_id FROM read_receipts rr JOIN documents doc ON doc.id = rr.document_id
			WHERE doc.conference_id = ? AND doc.secret = ?`, cid, false).Scan(&readers).Error
		if err != nil {
			return nil, translate(err, "outcome read receipts")
		}
		for _, m := range readers {
			d.opened[m] = true
		}
	}

	// An outage is a console connection that ended as one (not a server shutdown or a
	// replaced connection) while the conference was held (PresenceInterval.OutageDuring).
	var outagePoints []int64
	from, to := conf.Held()
	err = q.Model(&attendance.PresenceInterval{}).Distinct("point_id").
		Where("conference_id = ? AND ended_at IS NOT NULL AND end_reason NOT IN ? AND ended_at >= ? AND ended_at < ?",
			cid, []string{attendance.EndShutdown, attendance.EndReplaced}, from.UTC(), to.UTC()).
		Pluck("point_id", &outagePoints).Error
	if err != nil {
		return nil, translate(err, "outcome outages")
	}
	d.outages = make(map[int64]bool, len(outagePoints))
	for _, p := range outagePoints {
		d.outages[p] = true
	}
	return d, nil
}

// scanInvitationViews reads the current invitations of a conference with their
// members and points, by point and member name.
func scanInvitationViews(q *gorm.DB, conferenceID int64, capacity int) ([]attendance.InvitationView, error) {
	rows, err := q.Raw(`SELECT i.id, i.conference_id, i.member_id, i.point_id, i.source, i.note, i.removed_at,
			i.created_at, i.updated_at, m.code, m.full_name, m.position, m.exempt, m.organization_id, p.name
		FROM invitations i JOIN members m ON m.id = i.member_id JOIN points p ON p.id = i.point_id
		WHERE i.conference_id = ? AND i.removed_at IS NULL
		ORDER BY p.name, m.full_name_key, m.full_name, i.id`, conferenceID).Rows()
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := make([]attendance.InvitationView, 0, capacity)
	for rows.Next() {
		var v attendance.InvitationView
		err := rows.Scan(&v.ID, &v.ConferenceID, &v.MemberID, &v.PointID, &v.Source, &v.Note, &v.RemovedAt,
			&v.CreatedAt, &v.UpdatedAt, &v.MemberCode, &v.FullName, &v.Position, &v.Exempt, &v.OrganizationID, &v.PointName)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// scanCheckIns reads every check-in of a conference.
func scanCheckIns(q *gorm.DB, conferenceID int64, capacity int) ([]attendance.CheckIn, error) {
	rows, err := q.Raw(`SELECT id, conference_id, member_id, point_id, at, method, device_id, shared_device, confirmed,
			reason, by_account_id, by_member_id, moves, checked_out_at, checkout_reason, undone_at, undo_reason, updated_at
		FROM check_ins WHERE conference_id = ?`, conferenceID).Rows()
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := make([]attendance.CheckIn, 0, capacity)
	for rows.Next() {
		var c attendance.CheckIn
		err := rows.Scan(&c.ID, &c.ConferenceID, &c.MemberID, &c.PointID, &c.At, &c.Method, &c.DeviceID, &c.SharedDevice,
			&c.Confirmed, &c.Reason, &c.ByAccountID, &c.ByMemberID, &c.Moves, &c.CheckedOutAt, &c.CheckoutReason,
			&c.UndoneAt, &c.UndoReason, &c.UpdatedAt)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// scanAnswers reads who answered which roll call of a conference with rollCalls roll
// calls.
func scanAnswers(q *gorm.DB, conferenceID int64, rollCalls int) (map[int64]map[int64]bool, error) {
	answered := map[int64]map[int64]bool{}
	if rollCalls == 0 {
		return answered, nil
	}
	rows, err := q.Raw(`SELECT a.roll_call_id, a.member_id FROM roll_call_answers a
		JOIN roll_calls r ON r.id = a.roll_call_id WHERE r.conference_id = ?`, conferenceID).Rows()
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var rc, m int64
		if err := rows.Scan(&rc, &m); err != nil {
			return nil, err
		}
		a := answered[m]
		if a == nil {
			a = make(map[int64]bool, rollCalls)
			answered[m] = a
		}
		a[rc] = true
	}
	return answered, rows.Err()
}

// outcomes applies attendance.Outcome to every invitation of d at now.
func (d *outcomeData) outcomes(now time.Time) []attendance.InvitationOutcome {
	out := make([]attendance.InvitationOutcome, len(d.invitations))
	for i, inv := range d.invitations {
		m := inv.MemberID
		in := attendance.OutcomeInput{
			Invitation:      inv,
			CheckIn:         d.checkIns[m],
			RollCalls:       d.rollCalls,
			Answered:        d.answered[m],
			HasDocuments:    d.hasDocs,
			OpenedMaterials: d.opened[m],
			Absence:         d.absences[m],
			Delegation:      d.delegations[m],
			PointOutage:     d.outages[inv.PointID],
			Now:             now,
		}
		if dg := in.Delegation; dg != nil {
			in.SubstituteCheckIn = d.checkIns[dg.SubstituteID]
			in.SubstituteAnswered = d.answered[dg.SubstituteID]
			in.SubstituteOpenedMaterials = d.opened[dg.SubstituteID]
		}
		out[i] = attendance.InvitationOutcome{Invitation: inv, Result: attendance.Outcome(&d.conf, in),
			CheckIn: in.CheckIn, Absence: in.Absence, Delegation: in.Delegation, SubstituteCheckIn: in.SubstituteCheckIn}
	}
	return out
}

// ConferenceOutcomes decides the outcome of every current invitation of a conference
// at the store's clock, by point and member name. It reads the conference's records
// in a fixed number of queries and applies attendance.Outcome to each invitation. It
// returns ErrNotFound.
func (db *DB) ConferenceOutcomes(ctx context.Context, conferenceID int64) ([]attendance.InvitationOutcome, error) {
	var conf attendance.Conference
	if err := db.q(ctx).First(&conf, conferenceID).Error; err != nil {
		return nil, translate(err, fmt.Sprintf("conference %d", conferenceID))
	}
	d, err := db.loadOutcomeData(ctx, conf)
	if err != nil {
		return nil, err
	}
	return d.outcomes(db.now()), nil
}

// RepeatAbsentees returns the members with at least threshold unexcused outcomes
// (DefaultRepeatThreshold when threshold ≤ 0) over the closed conferences that started
// in the calendar year (Vietnam time), most absences first, each with every outcome
// of theirs that year (docs/design.md §14). Outcomes are decided by the same rules as
// ConferenceOutcomes, one conference at a time, so memory stays bounded by the largest
// conference.
func (db *DB) RepeatAbsentees(ctx context.Context, year, threshold int) ([]attendance.RepeatAbsentee, error) {
	if threshold <= 0 {
		threshold = attendance.DefaultRepeatThreshold
	}
	from, to := attendance.YearBounds(year)
	var confs []attendance.Conference
	err := db.q(ctx).Where("status = ? AND starts_at >= ? AND starts_at < ?", attendance.StatusClosed, from, to).
		Order("starts_at, id").Find(&confs).Error
	if err != nil {
		return nil, translate(err, "closed conferences of the year")
	}
	byMember := map[int64]*attendance.RepeatAbsentee{}
	now := db.now()
	for _, c := range confs {
		d, err := db.loadOutcomeData(ctx, c)
		if err != nil {
			return nil, err
		}
		for _, o := range d.outcomes(now) {
			inv := o.Invitation
			r := byMember[inv.MemberID]
			if r == nil {
				r = &attendance.RepeatAbsentee{MemberID: inv.MemberID, MemberCode: inv.MemberCode,
					FullName: inv.FullName, OrganizationID: inv.OrganizationID}
				byMember[inv.MemberID] = r
			}
			h := attendance.MemberOutcome{ConferenceID: c.ID, Title: c.Title, StartsAt: c.StartsAt,
				PointID: inv.PointID, Status: o.Status}
			if o.Absence != nil {
				h.AbsenceID = o.Absence.ID
			}
			r.History = append(r.History, h)
			if o.Status == attendance.StatusUnexcused {
				r.Unexcused++
			}
		}
	}
	out := []attendance.RepeatAbsentee{}
	for _, r := range byMember {
		if r.Unexcused >= threshold {
			out = append(out, *r)
		}
	}
	slices.SortFunc(out, func(a, b attendance.RepeatAbsentee) int {
		return cmp.Or(cmp.Compare(b.Unexcused, a.Unexcused), strings.Compare(a.FullName, b.FullName),
			cmp.Compare(a.MemberID, b.MemberID))
	})
	return out, nil
}

// ReopenConference moves a closed conference back to ended, so its requests and
// decisions may change again until it is closed anew, and audits it with the reason.
// Only an organizer or administrator may. It returns ErrForbidden, ErrInvalid (reason
// missing or over 500 characters), ErrNotFound or ErrInvalidTransition (not closed).
func (db *DB) ReopenConference(ctx context.Context, p attendance.Principal, id int64, reason string) (attendance.Conference, error) {
	var c attendance.Conference
	if !p.Staff() || !p.Is(attendance.RoleAdmin, attendance.RoleOrganizer) {
		return c, fmt.Errorf("reopen conference %d: %w", id, attendance.ErrForbidden)
	}
	reason = strings.TrimSpace(reason)
	switch n := len([]rune(reason)); {
	case n == 0:
		return c, attendance.Invalid("reason", attendance.CodeRequired, "")
	case n > 500:
		return c, attendance.Invalid("reason", attendance.CodeTooLong, "500")
	}
	err := db.tx(ctx, func(tx *gorm.DB) error {
		var err error
		if c, err = lockConference(tx, id); err != nil {
			return err
		}
		if c.Status != attendance.StatusClosed {
			return fmt.Errorf("reopen conference %d (%s): %w", id, c.Status, attendance.ErrInvalidTransition)
		}
		type state struct {
			Status   attendance.ConferenceStatus `json:"status"`
			ClosedAt *time.Time                  `json:"closedAt,omitempty"`
		}
		before := state{c.Status, utc(c.ClosedAt)}
		c.Status, c.ClosedAt, c.UpdatedAt = attendance.StatusEnded, nil, db.now().UTC()
		if err := tx.Model(&c).Select("status", "closed_at", "updated_at").Updates(&c).Error; err != nil {
			return translate(err, "reopen conference")
		}
		return db.auditChange(tx, p, attendance.ActionConferenceReopen, objectConference, c.ID, reason, before, state{c.Status, nil})
	})
	if err != nil {
		return attendance.Conference{}, err
	}
	return c, nil
}
