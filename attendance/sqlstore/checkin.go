package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/diemcau/diemcau/attendance"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// CheckIn records a member's presence at a point, once per conference: a repeated key
// returns the first answer; a member already in returns "already"; a member checked in
// at another point is moved. It returns ErrInvalid, ErrNotFound (conference),
// ErrCheckinNotOpen, ErrCheckinClosed, ErrNotInvited or ErrKeyReused.
//
// A first check-in, the rush before the opening, is written on PostgreSQL together
// with the others arriving at that moment (firstcheckin.go); otherwise one read of
// the member's state and the writes, in one transaction.
func (db *DB) CheckIn(ctx context.Context, in attendance.CheckInInput) (attendance.CheckInOutcome, error) {
	var out attendance.CheckInOutcome
	if err := in.Validate(); err != nil {
		return out, err
	}
	conf, err := db.checkinConference(ctx, in)
	if err != nil {
		return out, err
	}
	now := db.now().UTC()
	if err := conf.CheckinWindow(now); err != nil {
		return out, err
	}
	first := false
	if db.firsts != nil && in.Method != attendance.MethodManual && storable(in.Key, in.DeviceID) {
		out, first, err = db.firstCheckIn(ctx, conf, in, now)
		if err != nil {
			return attendance.CheckInOutcome{}, err
		}
	}
	if !first {
		err = db.tx(ctx, func(tx *gorm.DB) error {
			var err error
			out, err = db.checkIn(tx, conf, in, now)
			return err
		})
	}
	if errors.Is(err, errKeyRace) {
		// Another request with the same key committed first: answer as it did.
		err = db.tx(ctx, func(tx *gorm.DB) error {
			var err error
			out, err = db.replay(tx, in)
			return err
		})
	}
	if err != nil {
		return attendance.CheckInOutcome{}, err
	}
	out.Late = conf.IsLate(out.CheckIn.At)
	out.WrongPoint = out.InvitedPointID != 0 && out.InvitedPointID != out.CheckIn.PointID
	return out, nil
}

// checkinConference is the conference of a check-in: the caller's recent copy when it
// has one (a scan already read it), else read now.
func (db *DB) checkinConference(ctx context.Context, in attendance.CheckInInput) (attendance.Conference, error) {
	if in.Conference != nil && in.Conference.ID == in.ConferenceID {
		return *in.Conference, nil
	}
	var conf attendance.Conference
	err := db.q(ctx).First(&conf, in.ConferenceID).Error
	return conf, translate(err, fmt.Sprintf("conference %d", in.ConferenceID))
}

// invitedPointSQL is the one rule of who may be counted at a conference, as SQL for
// conference conf and member m (docs/design.md §13): the point the member is invited at, else the point of the invitee
// whose approved substitute they are; NULL for neither. Each look-up is a scalar
// subquery with LIMIT 1, so it keeps one index even in a plan made on empty tables
// (firstcheckin.go).
func invitedPointSQL(conf, m string) string {
	return `COALESCE((SELECT point_id FROM invitations WHERE conference_id = ` + conf + ` AND member_id = ` + m +
		` AND removed_at IS NULL LIMIT 1),
		(SELECT i.point_id FROM delegations dl JOIN invitations i ON i.conference_id = dl.conference_id
			AND i.member_id = dl.member_id AND i.removed_at IS NULL
		WHERE dl.conference_id = ` + conf + ` AND dl.substitute_id = ` + m + ` AND dl.status = 'approved' LIMIT 1))`
}

// InvitedPoint returns the point member is counted at in a conference: where they are
// invited, or where the invitee they substitute for is. ErrNotInvited for neither.
func (db *DB) InvitedPoint(ctx context.Context, conferenceID, memberID int64) (int64, error) {
	var point *int64
	err := db.q(ctx).Raw(`SELECT `+invitedPointSQL("@c", "@m")+` AS point_id`,
		sql.Named("c", conferenceID), sql.Named("m", memberID)).Scan(&point).Error
	if err != nil {
		return 0, translate(err, "invited point")
	}
	if point == nil {
		return 0, fmt.Errorf("member %d at conference %d: %w", memberID, conferenceID, attendance.ErrNotInvited)
	}
	return *point, nil
}

// errKeyRace means a concurrent request with the same idempotency key won.
var errKeyRace = errors.New("idempotency key taken concurrently")

// memberState is what a check-in needs to know first, read in one statement.
type memberState struct {
	InvitedPointID *int64
	CheckInID      *int64
	KeyMemberID    *int64
	Shared         bool
}

func (db *DB) checkIn(tx *gorm.DB, conf attendance.Conference, in attendance.CheckInInput, now time.Time) (attendance.CheckInOutcome, error) {
	var out attendance.CheckInOutcome
	var st memberState
	if in.DeviceID != "" && tx.Dialector.Name() == "postgres" {
		// As a gathering does (lockDevicesSQL): the state below then sees every
		// check-in made on this phone by a transaction that held it first.
		if err := tx.Exec(`SELECT pg_advisory_xact_lock(?, hashtext(?))`, deviceLockSpace, in.DeviceID).Error; err != nil {
			return out, translate(err, "lock device")
		}
	}
	err := tx.Raw(`SELECT
		`+invitedPointSQL("@c", "@m")+` AS invited_point_id,
		(SELECT id FROM check_ins WHERE conference_id = @c AND member_id = @m) AS check_in_id,
		(SELECT member_id FROM check_in_keys WHERE key = @k) AS key_member_id,
		EXISTS (SELECT 1 FROM check_ins WHERE device_id = @d AND conference_id + 0 = @c AND @d <> '' AND member_id <> @m
			AND undone_at IS NULL) AS shared`,
		sql.Named("c", conf.ID), sql.Named("m", in.MemberID), sql.Named("k", in.Key), sql.Named("d", in.DeviceID)).
		Scan(&st).Error
	if err != nil {
		return out, translate(err, "check-in state")
	}
	if st.KeyMemberID != nil {
		return db.replay(tx, in)
	}
	if st.InvitedPointID == nil {
		return out, attendance.ErrNotInvited
	}
	out.InvitedPointID = *st.InvitedPointID
	shared := st.Shared && in.Method != attendance.MethodManual

	var ci attendance.CheckIn
	if st.CheckInID == nil {
		// Try to be first. A concurrent first check-in of the same member makes the
		// insert do nothing once the other commits; then it is read back and this
		// request carries on as "already" or "moved".
		fresh := db.newCheckIn(conf, in, now, shared)
		res := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&fresh)
		if res.Error != nil {
			return out, translate(res.Error, "create check-in")
		}
		if res.RowsAffected > 0 {
			ci, out.CheckIn, out.Result = fresh, fresh, attendance.ResultCreated
		}
	}
	if out.Result == "" {
		if ci, err = lockCheckIn(tx, conf.ID, in.MemberID); err != nil {
			return out, err
		}
	}
	kind := attendance.EventCheckIn
	if in.Method == attendance.MethodManual {
		kind = attendance.EventManual
	}
	switch {
	case out.Result == attendance.ResultCreated:
	case !ci.Active():
		fresh := db.newCheckIn(conf, in, now, shared)
		fresh.ID = ci.ID
		err = tx.Model(&fresh).Select("point_id", "at", "method", "device_id", "shared_device", "confirmed", "reason",
			"by_account_id", "by_member_id", "moves", "checked_out_at", "checkout_reason", "undone_at", "undo_reason", "updated_at").
			Updates(&fresh).Error
		if err != nil {
			return out, translate(err, "renew check-in")
		}
		out.CheckIn, out.Result = fresh, attendance.ResultCreated
	case ci.PointID == in.PointID:
		out.CheckIn, out.Result = ci, attendance.ResultAlready
		if ci.CheckedOutAt == nil {
			kind = ""
			break
		}
		// Back in after checking out: the return is recorded, the first arrival kept.
		ci.CheckedOutAt, ci.CheckoutReason, ci.UpdatedAt = nil, "", now
		if err := tx.Model(&ci).Select("checked_out_at", "checkout_reason", "updated_at").Updates(&ci).Error; err != nil {
			return out, translate(err, "return check-in")
		}
		out.CheckIn = ci
	default:
		ci.PointID, ci.Moves, ci.CheckedOutAt, ci.UpdatedAt = in.PointID, ci.Moves+1, nil, now
		if err := tx.Model(&ci).Select("point_id", "moves", "checked_out_at", "updated_at").Updates(&ci).Error; err != nil {
			return out, translate(err, "move check-in")
		}
		out.CheckIn, out.Result, kind = ci, attendance.ResultMoved, attendance.EventMove
	}
	if kind != "" {
		ev := attendance.CheckInEvent{ConferenceID: conf.ID, PointID: in.PointID, MemberID: in.MemberID, Kind: kind,
			At: now, Reason: in.Reason}
		ev.ByAccountID, ev.ByMemberID = in.By.Actor()
		if err := tx.Create(&ev).Error; err != nil {
			return out, translate(err, "record check-in event")
		}
	}
	if in.Method == attendance.MethodManual && out.Result != attendance.ResultAlready {
		if err := db.auditChange(tx, in.By, attendance.ActionCheckInManual, "checkin", out.CheckIn.ID, in.Reason, nil, out.CheckIn); err != nil {
			return out, err
		}
	}
	if in.Key != "" {
		// The key goes in last, with the answer. Had a request with the same key got
		// here first, this one rolls back and gives that request's answer.
		key := attendance.CheckInKey{Key: in.Key, MemberID: in.MemberID, CheckInID: out.CheckIn.ID,
			Result: string(out.Result), CreatedAt: now}
		res := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&key)
		if res.Error != nil {
			return out, translate(res.Error, "check-in key")
		}
		if res.RowsAffected == 0 {
			return out, errKeyRace
		}
	}
	return out, nil
}

// newCheckIn builds a member's first check-in.
func (db *DB) newCheckIn(conf attendance.Conference, in attendance.CheckInInput, now time.Time, shared bool) attendance.CheckIn {
	ci := attendance.CheckIn{ConferenceID: conf.ID, MemberID: in.MemberID, PointID: in.PointID, At: now,
		Method: in.Method, DeviceID: in.DeviceID, Reason: in.Reason, SharedDevice: shared, UpdatedAt: now}
	ci.ByAccountID, ci.ByMemberID = in.By.Actor()
	return ci
}

// replay answers a repeated idempotency key with the check-in it made.
func (db *DB) replay(tx *gorm.DB, in attendance.CheckInInput) (attendance.CheckInOutcome, error) {
	var out attendance.CheckInOutcome
	var key attendance.CheckInKey
	if err := tx.Where("key = ?", in.Key).First(&key).Error; err != nil {
		return out, translate(err, "check-in key")
	}
	if key.MemberID != in.MemberID {
		return out, attendance.ErrKeyReused
	}
	if err := tx.First(&out.CheckIn, key.CheckInID).Error; err != nil {
		return out, translate(err, "replayed check-in")
	}
	var inv attendance.Invitation
	if err := tx.Where("conference_id = ? AND member_id = ?", out.CheckIn.ConferenceID, in.MemberID).First(&inv).Error; err == nil {
		out.InvitedPointID = inv.PointID
	}
	out.Result = attendance.CheckInResult(key.Result)
	return out, nil
}

// lockCheckIn reads a member's check-in for update.
func lockCheckIn(tx *gorm.DB, conferenceID, memberID int64) (attendance.CheckIn, error) {
	var ci attendance.CheckIn
	q := tx
	if tx.Dialector.Name() == "postgres" {
		q = q.Clauses(clause.Locking{Strength: "UPDATE"})
	}
	err := q.Where("conference_id = ? AND member_id = ?", conferenceID, memberID).First(&ci).Error
	return ci, translate(err, "find check-in")
}

// CheckInByID returns a check-in (ErrNotFound).
func (db *DB) CheckInByID(ctx context.Context, id int64) (attendance.CheckIn, error) {
	var ci attendance.CheckIn
	err := db.q(ctx).First(&ci, id).Error
	return ci, translate(err, fmt.Sprintf("check-in %d", id))
}

// UndoCheckIn withdraws a check-in made by mistake, with a reason. It returns
// ErrNotFound, ErrInvalid (no reason) or ErrUndone.
func (db *DB) UndoCheckIn(ctx context.Context, id int64, reason string, by attendance.Principal) (attendance.CheckIn, error) {
	return db.changeCheckIn(ctx, id, reason, true, by, attendance.EventUndo, func(ci *attendance.CheckIn, now time.Time) []string {
		ci.UndoneAt, ci.UndoReason = &now, reason
		return []string{"undone_at", "undo_reason"}
	})
}

// CheckOut records that a member left before the end. It returns ErrNotFound or
// ErrUndone; checking out twice keeps the first time.
func (db *DB) CheckOut(ctx context.Context, id int64, reason string, by attendance.Principal) (attendance.CheckIn, error) {
	return db.changeCheckIn(ctx, id, reason, false, by, attendance.EventCheckout, func(ci *attendance.CheckIn, now time.Time) []string {
		if ci.CheckedOutAt != nil {
			return nil
		}
		ci.CheckedOutAt, ci.CheckoutReason = &now, reason
		return []string{"checked_out_at", "checkout_reason"}
	})
}

// ConfirmCheckIn records the chair's confirmation of a shared-device check-in.
func (db *DB) ConfirmCheckIn(ctx context.Context, id int64, by attendance.Principal) (attendance.CheckIn, error) {
	return db.changeCheckIn(ctx, id, "", false, by, attendance.EventConfirm, func(ci *attendance.CheckIn, now time.Time) []string {
		if ci.Confirmed {
			return nil
		}
		ci.Confirmed = true
		return []string{"confirmed"}
	})
}

func (db *DB) changeCheckIn(ctx context.Context, id int64, reason string, needReason bool, by attendance.Principal,
	kind attendance.CheckInEventKind, change func(*attendance.CheckIn, time.Time) []string) (attendance.CheckIn, error) {
	var ci attendance.CheckIn
	reason = strings.TrimSpace(reason)
	if len([]rune(reason)) > 500 {
		return ci, attendance.Invalid("reason", attendance.CodeTooLong, "500")
	}
	if needReason && len([]rune(reason)) == 0 {
		return ci, attendance.Invalid("reason", attendance.CodeRequired, "")
	}
	err := db.tx(ctx, func(tx *gorm.DB) error {
		q := tx
		if tx.Dialector.Name() == "postgres" {
			q = q.Clauses(clause.Locking{Strength: "UPDATE"})
		}
		if err := q.First(&ci, id).Error; err != nil {
			return translate(err, fmt.Sprintf("check-in %d", id))
		}
		if !ci.Active() {
			return attendance.ErrUndone
		}
		before := ci
		var conf attendance.Conference
		if err := tx.First(&conf, ci.ConferenceID).Error; err != nil {
			return translate(err, "conference of check-in")
		}
		if conf.Status == attendance.StatusClosed {
			return fmt.Errorf("change check-in %d: %w", id, attendance.ErrInvalidTransition)
		}
		now := db.now().UTC()
		cols := change(&ci, now)
		if cols == nil {
			return nil
		}
		ci.UpdatedAt = now
		if err := tx.Model(&ci).Select(append(cols, "updated_at")).Updates(&ci).Error; err != nil {
			return translate(err, "update check-in")
		}
		ev := attendance.CheckInEvent{ConferenceID: ci.ConferenceID, PointID: ci.PointID, MemberID: ci.MemberID, Kind: kind,
			At: now, Reason: reason}
		ev.ByAccountID, ev.ByMemberID = by.Actor()
		if err := tx.Create(&ev).Error; err != nil {
			return translate(err, "record check-in event")
		}
		if kind == attendance.EventUndo {
			return db.auditChange(tx, by, attendance.ActionCheckInUndo, "checkin", ci.ID, reason, before, ci)
		}
		return nil
	})
	return ci, err
}

// PointRoster returns the point's invitees with their check-ins (wherever made), then
// members invited elsewhere who checked in at this point.
func (db *DB) PointRoster(ctx context.Context, pointID int64) ([]attendance.RosterEntry, error) {
	var p attendance.Point
	if err := db.q(ctx).First(&p, pointID).Error; err != nil {
		return nil, translate(err, fmt.Sprintf("point %d", pointID))
	}
	var views []attendance.InvitationView
	err := db.invitationViews(ctx).
		Where("invitations.conference_id = ? AND (invitations.point_id = ? OR invitations.member_id IN (SELECT member_id FROM check_ins WHERE point_id = ? AND undone_at IS NULL))",
			p.ConferenceID, pointID, pointID).
		Order("members.full_name_key, members.full_name, invitations.id").Find(&views).Error
	if err != nil {
		return nil, translate(err, "point roster")
	}
	var cis []attendance.CheckIn
	err = db.q(ctx).Where("conference_id = ? AND member_id IN (SELECT member_id FROM invitations WHERE conference_id = ? AND point_id = ?) OR (point_id = ? AND undone_at IS NULL)",
		p.ConferenceID, p.ConferenceID, pointID, pointID).Find(&cis).Error
	if err != nil {
		return nil, translate(err, "point check-ins")
	}
	byMember := make(map[int64]attendance.CheckIn, len(cis))
	for _, ci := range cis {
		byMember[ci.MemberID] = ci
	}
	var excused []int64
	err = db.q(ctx).Model(&attendance.AbsenceRequest{}).Where("conference_id = ? AND status = ? AND member_id IN (SELECT member_id FROM invitations WHERE conference_id = ? AND point_id = ?)",
		p.ConferenceID, attendance.DecisionApproved, p.ConferenceID, pointID).Pluck("member_id", &excused).Error
	if err != nil {
		return nil, translate(err, "point absences")
	}
	isExcused := make(map[int64]bool, len(excused))
	for _, id := range excused {
		isExcused[id] = true
	}
	out := make([]attendance.RosterEntry, 0, len(views))
	for _, v := range views {
		e := attendance.RosterEntry{Invitation: v, Excused: isExcused[v.MemberID]}
		if ci, ok := byMember[v.MemberID]; ok {
			e.CheckIn = &ci
		}
		out = append(out, e)
	}
	return out, nil
}

// PointEvents returns the latest check-in events at a point, newest first.
func (db *DB) PointEvents(ctx context.Context, pointID int64, limit int) ([]attendance.CheckInEvent, error) {
	var evs []attendance.CheckInEvent
	err := db.q(ctx).Where("point_id = ?", pointID).Order("at DESC, id DESC").Limit(limit).Find(&evs).Error
	return evs, translate(err, "point events")
}
