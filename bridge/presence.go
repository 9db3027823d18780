package bridge

import "time"

// Session identifies one console connection: which point of which conference, and the
// member signed in at the console, who chairs that point's session (docs/design.md §11).
type Session struct {
	ConferenceID  int64
	PointID       int64
	ChairMemberID int64
}

// Heartbeat is what a console reports every few seconds on its "presence" data channel:
// how many people it counts in the room and whether the console page is visible on the
// room's screen. At is when the server received it.
type Heartbeat struct {
	Headcount int       `json:"headcount"`
	Visible   bool      `json:"visible"`
	At        time.Time `json:"-"`
}

// PresenceKind is what happened to a console connection.
type PresenceKind string

// The presence kinds. A connection reports online once its presence channel opens, then
// heartbeats, then offline once; it may come back online (ICE restart, heartbeats
// resuming) and go offline again, each time with one pair of events.
const (
	PresenceOnline    PresenceKind = "online"
	PresenceOffline   PresenceKind = "offline"
	PresenceHeartbeat PresenceKind = "heartbeat"
)

// The reasons a console goes offline.
const (
	// ReasonICEFailed means the network path to the console failed (ICE state failed).
	ReasonICEFailed = "ice_failed"
	// ReasonHeartbeatTimeout means no heartbeat arrived within the presence timeout.
	ReasonHeartbeatTimeout = "heartbeat_timeout"
	// ReasonClosed means the console closed its connection gracefully.
	ReasonClosed = "closed"
	// ReasonReplaced means the same point connected again on a new connection, which
	// carries on; it is not an outage.
	ReasonReplaced = "replaced"
	// ReasonShutdown means the server is stopping; it is not an outage of the room.
	ReasonShutdown = "shutdown"
)

// PresenceEvent is one change in a console connection's presence.
type PresenceEvent struct {
	Kind    PresenceKind
	Session Session
	ConnID  string // unique per console connection (one RTCPeerConnection)
	At      time.Time
	// Reason says why a console went offline: one of the Reason… constants. It is empty
	// for other kinds.
	Reason string
	// Heartbeat is set for heartbeat events.
	Heartbeat *Heartbeat
}

// Outage reports whether ev ends a connected interval because the room lost its
// console (docs/design.md §15). A replaced connection or a server shutdown ends an
// interval without the room being at fault, so those are not outages.
func (ev PresenceEvent) Outage() bool {
	if ev.Kind != PresenceOffline {
		return false
	}
	switch ev.Reason {
	case ReasonReplaced, ReasonShutdown:
		return false
	}
	return true
}

// PresenceSink receives presence events in the order they happened; the caller persists
// connected intervals and notifies boards. Events come from one goroutine, so calls
// never overlap; they must not block long, or later events wait behind them.
type PresenceSink interface {
	Presence(ev PresenceEvent)
}

// ICEServer is a STUN or TURN server the console's RTCPeerConnection may use, in the
// shape of the browser's RTCIceServer, so the API can pass it on without pion.
type ICEServer struct {
	URLs       []string `json:"urls"`
	Username   string   `json:"username,omitempty"`
	Credential string   `json:"credential,omitempty"`
}
