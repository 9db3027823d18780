// Package bridge is the live side of a bridge point: signed QR tokens and their images,
// and (with issue 4) the WebRTC hub and presence. It uses attendance and is never
// imported by it; pion stays inside this package tree.
package bridge
