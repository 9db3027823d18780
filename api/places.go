package api

import (
	"context"

	"github.com/diemcau/diemcau/attendance"
	"github.com/diemcau/diemcau/bridge"
)

// placeKeeper wraps the store so that every change to a conference or a point drops
// the places the desk cached for scans on this instance at once: an ended conference
// refuses check-ins here immediately, and within a few seconds on the other instances.
type placeKeeper struct {
	Store
	desk *bridge.Desk
}

func (k placeKeeper) UpdateConference(ctx context.Context, c *attendance.Conference) error {
	defer k.desk.Forget()
	return k.Store.UpdateConference(ctx, c)
}

func (k placeKeeper) DeleteConference(ctx context.Context, id int64) error {
	defer k.desk.Forget()
	return k.Store.DeleteConference(ctx, id)
}

func (k placeKeeper) TransitionConference(ctx context.Context, id int64, action string) (attendance.Conference, error) {
	defer k.desk.Forget()
	return k.Store.TransitionConference(ctx, id, action)
}

func (k placeKeeper) UpdatePoint(ctx context.Context, p *attendance.Point) error {
	defer k.desk.Forget()
	return k.Store.UpdatePoint(ctx, p)
}

func (k placeKeeper) DeletePoint(ctx context.Context, id int64) error {
	defer k.desk.Forget()
	return k.Store.DeletePoint(ctx, id)
}

func (k placeKeeper) ReopenConference(ctx context.Context, p attendance.Principal, id int64, reason string) (attendance.Conference, error) {
	defer k.desk.Forget()
	return k.Store.ReopenConference(ctx, p, id, reason)
}
