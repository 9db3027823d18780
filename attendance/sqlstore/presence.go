package sqlstore

import (
	"context"
	"fmt"
	"time"

	"github.com/diemcau/diemcau/attendance"
	"gorm.io/gorm"
)

// OpenPresence starts a connected interval for a point's console. Any interval of the
// same point still open (a console that vanished while this instance was down) is
// closed first as replaced.
func (db *DB) OpenPresence(ctx context.Context, p *attendance.PresenceInterval) error {
	now := db.now().UTC()
	p.ID, p.EndedAt, p.EndReason = 0, nil, ""
	if p.StartedAt.IsZero() {
		p.StartedAt = now
	}
	p.LastSeenAt = p.StartedAt
	err := db.q(ctx).Model(&attendance.PresenceInterval{}).
		Where("point_id = ? AND ended_at IS NULL AND conn_id <> ?", p.PointID, p.ConnID).
		Updates(map[string]any{"ended_at": p.StartedAt, "end_reason": attendance.EndReplaced}).Error
	if err != nil {
		return translate(err, "close stale presence")
	}
	return translate(db.q(ctx).Create(p).Error, "open presence")
}

// ClosePresence ends the open interval of a connection with a reason.
func (db *DB) ClosePresence(ctx context.Context, connID string, at time.Time, reason string) error {
	err := db.q(ctx).Model(&attendance.PresenceInterval{}).Where("conn_id = ? AND ended_at IS NULL", connID).
		Updates(map[string]any{"ended_at": at.UTC(), "end_reason": reason}).Error
	return translate(err, "close presence")
}

// SaveHeartbeats records the latest headcount, visibility and time (LastSeenAt) of
// many connections (by ConnID) at once: heartbeats arrive every few seconds from every
// console, so they are batched by the caller rather than written one row each.
func (db *DB) SaveHeartbeats(ctx context.Context, hbs []attendance.PresenceInterval) error {
	if len(hbs) == 0 {
		return nil
	}
	return db.tx(ctx, func(tx *gorm.DB) error {
		for _, h := range hbs {
			err := tx.Model(&attendance.PresenceInterval{}).Where("conn_id = ? AND ended_at IS NULL", h.ConnID).
				Updates(map[string]any{"headcount": h.Headcount, "visible": h.Visible, "last_seen_at": h.LastSeenAt.UTC()}).Error
			if err != nil {
				return translate(err, "save heartbeat")
			}
		}
		return nil
	})
}

// Presence returns a conference's connected intervals, oldest first; pointID 0 means
// every point.
func (db *DB) Presence(ctx context.Context, conferenceID, pointID int64) ([]attendance.PresenceInterval, error) {
	var ps []attendance.PresenceInterval
	q := db.q(ctx).Where("conference_id = ?", conferenceID)
	if pointID != 0 {
		q = q.Where("point_id = ?", pointID)
	}
	err := q.Order("started_at, id").Find(&ps).Error
	return ps, translate(err, fmt.Sprintf("presence of conference %d", conferenceID))
}

// CloseAllPresence ends every interval still open (at server start, for connections a
// crashed instance left open, with reason).
func (db *DB) CloseAllPresence(ctx context.Context, connIDs []string, at time.Time, reason string) error {
	if len(connIDs) == 0 {
		return nil
	}
	err := db.q(ctx).Model(&attendance.PresenceInterval{}).Where("conn_id IN ? AND ended_at IS NULL", connIDs).
		Updates(map[string]any{"ended_at": at.UTC(), "end_reason": reason}).Error
	return translate(err, "close presence")
}
