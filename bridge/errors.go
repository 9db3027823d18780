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
