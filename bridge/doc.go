// Package bridge is the live side of a bridge point: signed QR tokens and tickets, QR
// images and the printable sheet, the desk through which every scan, check-in,
// roll-call answer and chair's action comes (docs/design.md §18), the presence tracker
// and the live event bus. It uses attendance and is never imported by it. pion stays
// in bridge/rtc, the consoles' WebRTC hub; bridge/pgbus relays events between instances.
package bridge
