// Package attendance is the record of who was expected at which bridge point of a
// conference and who came: organizations, members, accounts, conferences, points and
// invitations, and the rules that decide them.
//
// The package knows nothing of HTTP, WebRTC or SQL. Records are plain structs whose
// gorm tags describe their columns; the SQL adapter in attendance/sqlstore stores them.
package attendance
