package attendance

import "time"

// VietnamTime is Vietnam's time zone, UTC+7 without daylight saving: the zone people
// read times in and type them in, reports print, and calendar years are counted by
// (repeat absentees, yearly reports). It is a fixed zone, so the server needs no tz
// database.
var VietnamTime = time.FixedZone("ICT", 7*3600)
