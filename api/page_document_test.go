package api_test

import (
	"context"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/diemcau/diemcau/attendance"
)

// TestPages_DocumentDeleteStaysInItsConference: a document is deleted only from its
// own conference's page; another conference's URL leaves it alone.
func TestPages_DocumentDeleteStaysInItsConference(t *testing.T) {
	admEach(t, func(t *testing.T, h *admServer) {
		ctx := context.Background()
		start := time.Date(2026, 6, 1, 1, 0, 0, 0, time.UTC)
		var confs [2]attendance.Conference
		for i := range confs {
			confs[i] = attendance.Conference{Title: "Hội nghị " + admID(int64(i+1)), StartsAt: start, EndsAt: start.Add(time.Hour)}
			if err := h.db.CreateConference(ctx, &confs[i]); err != nil {
				t.Fatal(err)
			}
		}
		doc := attendance.Document{ConferenceID: confs[0].ID, Title: "Nghị quyết", FileName: "nq.pdf",
			ContentType: "application/pdf", Data: []byte("%PDF-1.4 nghị quyết")}
		if err := h.db.CreateDocument(ctx, &doc); err != nil {
			t.Fatal(err)
		}
		b := h.signIn(t, "bantochuc", attendance.RoleOrganizer)
		form := url.Values{}
		res := b.post("/vi/admin/conferences/"+admID(confs[1].ID)+"/documents/"+admID(doc.ID)+"/delete", form)
		if res.Code != http.StatusNotFound {
			t.Errorf("delete through another conference: got %d, want 404", res.Code)
		}
		if _, err := h.db.Document(ctx, doc.ID); err != nil {
			t.Fatalf("the document is gone: %v", err)
		}
		res = b.post("/vi/admin/conferences/"+admID(confs[0].ID)+"/documents/"+admID(doc.ID)+"/delete", form)
		if res.Code != http.StatusSeeOther {
			t.Errorf("delete from its conference: got %d, want 303", res.Code)
		}
		if _, err := h.db.Document(ctx, doc.ID); err == nil {
			t.Error("the document is still there")
		}
	})
}
