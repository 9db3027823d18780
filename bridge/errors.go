package bridge

import "errors"

// Token errors. Each refusal has its own, so a member is told what to do: scan again,
// go to the right room, or wait for the check-in to open.
var (
	// ErrTokenMalformed means the token is not one of ours at all.
	ErrTokenMalformed = errors.New("malformed token")
	// ErrTokenForged means the signature does not match: the token was altered or made
	// without the server's secret.
	ErrTokenForged = errors.New("forged token")
	// ErrTokenExpired means the token's window has passed (older than the previous
	// rotation), or a ticket outlived its life.
	ErrTokenExpired = errors.New("token expired")
	// ErrTokenNotYetValid means the token's window lies in the future.
	ErrTokenNotYetValid = errors.New("token not yet valid")
	// ErrTokenKind means a token of another kind was used (a materials code to check in).
	ErrTokenKind = errors.New("wrong kind of token")
	// ErrTokenConference means the token belongs to another conference.
	ErrTokenConference = errors.New("token of another conference")
)

// Console errors, returned by the WebRTC hub (bridge/rtc) so that callers above it,
// which must not import pion, can tell them apart.
var (
	// ErrBadOffer means the SDP offer is empty, too large, not an offer, or cannot be
	// applied: the console should create a fresh one.
	ErrBadOffer = errors.New("bad SDP offer")
	// ErrBadConnID means the console's connection id is malformed.
	ErrBadConnID = errors.New("bad connection id")
	// ErrSessionMismatch means an offer reused another session's connection id.
	ErrSessionMismatch = errors.New("connection belongs to another session")
	// ErrConnGone means an ICE restart named a connection that has ended.
	ErrConnGone = errors.New("connection has ended")
	// ErrNotConnected means the point has no console connected.
	ErrNotConnected = errors.New("console not connected")
	// ErrNoVideo means the point's console sends no video to watch.
	ErrNoVideo = errors.New("console sends no video")
	// ErrConsolesOff means this instance runs without the WebRTC hub.
	ErrConsolesOff = errors.New("consoles are not enabled on this instance")
)
