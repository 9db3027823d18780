package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/diemcau/diemcau/attendance"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// StartRollCall opens a roll call of a live conference for one point (or all when
// pointID is 0) lasting window. It returns ErrNotFound, ErrInvalid (unknown point,
// window out of range), ErrInvalidTransition (conference not live) or ErrRollCallOpen
// (a roll call covering the point, or for all any roll call, is open; the conference's
// lock keeps two starts from both passing).
func (db *DB) StartRollCall(ctx context.Context, conferenceID, pointID int64, window time.Duration, by attendance.Principal) (attendance.RollCall, error) {
	var rc attendance.RollCall
	if window <= 0 {
		window = attendance.DefaultRollCallWindow
	}
	if window < time.Minute || window > time.Hour {
		return rc, attendance.Invalid("windowMinutes", attendance.CodeRange, "1-60")
	}
	err := db.tx(ctx, func(tx *gorm.DB) error {
		conf, err := lockConference(tx, conferenceID)
		if err != nil {
			return err
		}
		if conf.Status != attendance.StatusLive {
			return fmt.Errorf("roll call in conference %d (%s): %w", conf.ID, conf.Status, attendance.ErrInvalidTransition)
		}
		if pointID != 0 {
			var n int64
			if err := tx.Model(&attendance.Point{}).Where("id = ? AND conference_id = ?", pointID, conf.ID).Count(&n).Error; err != nil {
				return translate(err, "check point")
			}
			if n == 0 {
				return attendance.Invalid("pointId", attendance.CodeUnknown, "")
			}
			rc.PointID = &pointID
		}
		now := db.now().UTC()
		var open int64
		q := tx.Model(&attendance.RollCall{}).Where("conference_id = ? AND started_at <= ? AND ends_at > ?", conf.ID, now, now)
		if pointID != 0 {
			q = q.Where("(point_id IS NULL OR point_id = ?)", pointID)
		}
		if err := q.Count(&open).Error; err != nil {
			return translate(err, "open roll calls")
		}
		if open > 0 {
			return fmt.Errorf("roll call at point %d: %w", pointID, attendance.ErrRollCallOpen)
		}
		rc.ConferenceID, rc.StartedAt, rc.EndsAt = conf.ID, now, now.Add(window)
		rc.ByAccountID, rc.ByMemberID = by.Actor()
		return translate(tx.Create(&rc).Error, "start roll call")
	})
	return rc, err
}

// RollCall returns a roll call (ErrNotFound).
func (db *DB) RollCall(ctx context.Context, id int64) (attendance.RollCall, error) {
	var rc attendance.RollCall
	err := db.q(ctx).First(&rc, id).Error
	return rc, translate(err, fmt.Sprintf("roll call %d", id))
}

// OpenRollCalls returns a conference's roll calls open now, newest first: what the
// screens of all its points need at a rotation, in one read.
func (db *DB) OpenRollCalls(ctx context.Context, conferenceID int64) ([]attendance.RollCall, error) {
	var rcs []attendance.RollCall
	now := db.now().UTC()
	err := db.q(ctx).Where("conference_id = ? AND started_at <= ? AND ends_at > ?", conferenceID, now, now).
		Order("started_at DESC").Find(&rcs).Error
	return rcs, translate(err, "open roll calls")
}

// CurrentRollCall returns the open roll call covering a point, or ErrNotFound.
func (db *DB) CurrentRollCall(ctx context.Context, conferenceID, pointID int64) (attendance.RollCall, error) {
	var rc attendance.RollCall
	now := db.now().UTC()
	err := db.q(ctx).Where("conference_id = ? AND (point_id IS NULL OR point_id = ?) AND started_at <= ? AND ends_at > ?",
		conferenceID, pointID, now, now).Order("started_at DESC").First(&rc).Error
	return rc, translate(err, "current roll call")
}

// RollCalls lists a conference's roll calls, newest first, with their answers counted
// against the members checked in at the points they cover (for pointID, or all).
func (db *DB) RollCalls(ctx context.Context, conferenceID, pointID int64) ([]attendance.RollCallSummary, error) {
	var rcs []attendance.RollCall
	q := db.q(ctx).Where("conference_id = ?", conferenceID)
	if pointID != 0 {
		q = q.Where("point_id IS NULL OR point_id = ?", pointID)
	}
	if err := q.Order("started_at DESC").Find(&rcs).Error; err != nil {
		return nil, translate(err, "list roll calls")
	}
	out := make([]attendance.RollCallSummary, len(rcs))
	for i, rc := range rcs {
		out[i].RollCall = rc
		aq := db.q(ctx).Model(&attendance.RollCallAnswer{}).Where("roll_call_id = ?", rc.ID)
		cq := db.q(ctx).Model(&attendance.CheckIn{}).Where("conference_id = ? AND undone_at IS NULL AND at <= ?", conferenceID, rc.EndsAt)
		if pointID != 0 {
			aq = aq.Where("point_id = ?", pointID)
			cq = cq.Where("point_id = ?", pointID)
		} else if rc.PointID != nil {
			cq = cq.Where("point_id = ?", *rc.PointID)
		}
		if err := aq.Count(&out[i].Answered).Error; err != nil {
			return nil, translate(err, "count answers")
		}
		if err := cq.Count(&out[i].CheckedIn).Error; err != nil {
			return nil, translate(err, "count check-ins")
		}
	}
	return out, nil
}

// AnswerRollCall records a member's answer from a point while the roll call is open.
// Answering twice keeps the first. It returns ErrNotFound, ErrRollCallClosed,
// ErrNotInvited, or ErrInvalid when the roll call does not cover the point.
func (db *DB) AnswerRollCall(ctx context.Context, rollCallID, pointID, memberID int64) (attendance.RollCallAnswer, error) {
	var a attendance.RollCallAnswer
	err := db.tx(ctx, func(tx *gorm.DB) error {
		var rc attendance.RollCall
		if err := tx.First(&rc, rollCallID).Error; err != nil {
			return translate(err, fmt.Sprintf("roll call %d", rollCallID))
		}
		now := db.now().UTC()
		if !rc.Open(now) {
			return attendance.ErrRollCallClosed
		}
		if !rc.Covers(pointID) {
			return attendance.Invalid("pointId", attendance.CodeInvalid, "")
		}
		// The invited member, or their approved substitute, answers.
		var invited *int64
		if err := tx.Raw(`SELECT `+invitedPointSQL("@c", "@m")+` AS point_id`, sql.Named("c", rc.ConferenceID),
			sql.Named("m", memberID)).Scan(&invited).Error; err != nil {
			return translate(err, "find invitation")
		}
		if invited == nil {
			return attendance.ErrNotInvited
		}
		a = attendance.RollCallAnswer{RollCallID: rc.ID, MemberID: memberID, PointID: pointID, At: now}
		res := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&a)
		if res.Error != nil {
			return translate(res.Error, "answer roll call")
		}
		if res.RowsAffected == 0 {
			return translate(tx.Where("roll_call_id = ? AND member_id = ?", rc.ID, memberID).First(&a).Error, "answer roll call")
		}
		ev := attendance.CheckInEvent{ConferenceID: rc.ConferenceID, PointID: pointID, MemberID: memberID,
			Kind: attendance.EventRollCall, At: now}
		return translate(tx.Create(&ev).Error, "record roll call answer")
	})
	return a, err
}

// RollCallAnswers returns who answered a roll call.
func (db *DB) RollCallAnswers(ctx context.Context, rollCallID int64) ([]attendance.RollCallAnswer, error) {
	var as []attendance.RollCallAnswer
	err := db.q(ctx).Where("roll_call_id = ?", rollCallID).Order("at").Find(&as).Error
	return as, translate(err, "roll call answers")
}
