package rtc

import (
	"errors"

	"github.com/diemcau/diemcau/bridge"
)

// Hub errors. Those the API answers are the bridge package's own sentinels, so callers
// that must not import pion can tell them apart. Each tells the caller (the signalling handler, the code that pushes
// check-ins to consoles) what to do next.
var (
	// ErrBadOffer means the SDP offer is empty, too large, not an offer, or cannot be
	// applied: the console should create a fresh one.
	ErrBadOffer = bridge.ErrBadOffer
	// ErrBadConnID means the console's connection id is empty, too long, or has
	// characters other than letters, digits, '-' and '_'.
	ErrBadConnID = bridge.ErrBadConnID
	// ErrBadSession means the session names no conference or no point.
	ErrBadSession = errors.New("bad session")
	// ErrSessionMismatch means an offer reused the connection id of another point's
	// (or another chair's) connection.
	ErrSessionMismatch = bridge.ErrSessionMismatch
	// ErrConnGone means an offer renegotiates (ICE restart) a connection the hub has
	// already ended: the console should start a new connection with a new id.
	ErrConnGone = bridge.ErrConnGone
	// ErrNotConnected means the point has no console with an open presence channel.
	ErrNotConnected = bridge.ErrNotConnected
	// ErrSlowConsole means the console is not reading: too much is already queued for
	// it, and the message was dropped.
	ErrSlowConsole = errors.New("console is not keeping up")
	// ErrMessageTooLarge means a message to a console exceeds MaxSendSize.
	ErrMessageTooLarge = errors.New("message too large")
	// ErrNoVideo means the point's console is not sending video, so there is nothing
	// to watch.
	ErrNoVideo = bridge.ErrNoVideo
	// ErrClosed means the hub has been closed.
	ErrClosed = errors.New("hub closed")
)
