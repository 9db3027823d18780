package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/diemcau/diemcau/attendance"
	"github.com/diemcau/diemcau/attendance/sqlstore"
	"github.com/diemcau/diemcau/internal/demo"
)

// demoSeed fixes the demo province, so the same member codes and PINs work every time.
const demoSeed = 2026

// demoAccount is a staff account of the demo with the password it was given this run.
type demoAccount struct {
	Login, Password string
	Role            attendance.Role
}

// demoInfo is what a person needs to try every role.
type demoInfo struct {
	ConferenceID int64
	Title        string
	Points       int
	Members      int
	Accounts     []demoAccount
	Chair        demo.Member
	Member       demo.Member
}

// loadDemo loads the demo province into db once; later runs reuse it, open a new live
// conference when none is live, and give the demo staff accounts fresh passwords so
// they can be printed again.
func loadDemo(ctx context.Context, db *sqlstore.DB, now time.Time) (demoInfo, error) {
	prov := demo.Generate(demoSeed)
	info := demoInfo{Title: prov.Conference.Title, Points: len(prov.Points), Members: len(prov.Members)}
	all := attendance.Scope{All: true}

	orgIDs := map[string]int64{}
	existing, err := db.Organizations(ctx, attendance.OrganizationFilter{Scope: all, Page: attendance.Page{Size: attendance.MaxPageSize}})
	if err != nil {
		return info, err
	}
	for _, o := range existing.Items {
		if o.Code != nil {
			orgIDs[*o.Code] = o.ID
		}
	}
	for _, o := range prov.Orgs {
		if _, ok := orgIDs[o.Code]; ok {
			continue
		}
		code := o.Code
		org := attendance.Organization{Code: &code, Name: o.Name, Kind: o.Kind}
		if o.ParentCode != "" {
			parent := orgIDs[o.ParentCode]
			org.ParentID = &parent
		}
		if err := db.CreateOrganization(ctx, &org); err != nil {
			return info, fmt.Errorf("organization %s: %w", o.Code, err)
		}
		orgIDs[o.Code] = org.ID
	}
	first := prov.Members[0]
	known, err := db.Members(ctx, attendance.MemberFilter{Query: first.Code, Scope: all, Page: attendance.Page{Size: 1}})
	if err != nil {
		return info, err
	}
	if known.Total == 0 {
		rows := make([]attendance.RosterRow, len(prov.Members))
		for i, m := range prov.Members {
			rows[i] = attendance.RosterRow{Line: i + 2, Code: m.Code, FullName: m.FullName, OrgRef: m.OrgCode,
				Position: m.Position, Exempt: m.Exempt, Phone: m.Phone, PIN: m.PIN, Active: true}
		}
		if _, err := db.ImportMembers(ctx, attendance.Roster{Rows: rows}); err != nil {
			return info, fmt.Errorf("members: %w", err)
		}
	}

	for _, a := range []demoAccount{
		{Login: "bantochuc", Role: attendance.RoleOrganizer},
		{Login: "kiemtra", Role: attendance.RoleSupervisor},
	} {
		a.Password = newPassword()
		if err := resetAccount(ctx, db, a); err != nil {
			return info, err
		}
		info.Accounts = append(info.Accounts, a)
	}

	live, err := db.Conferences(ctx, attendance.ConferenceFilter{Status: attendance.StatusLive, Query: prov.Conference.Title, Scope: all})
	if err != nil {
		return info, err
	}
	if live.Total > 0 {
		info.ConferenceID = live.Items[0].ID
	} else {
		c := attendance.Conference{Title: prov.Conference.Title, Description: prov.Conference.Description,
			StartsAt: now.Truncate(time.Minute), EndsAt: now.Add(3 * time.Hour).Truncate(time.Minute),
			CheckinLead: attendance.DefaultCheckinLead, LateGrace: attendance.DefaultLateGrace,
			EarlyLeaveGrace: attendance.DefaultEarlyLeaveGrace}
		if root, ok := orgIDs[prov.Orgs[0].Code]; ok {
			c.HostOrganizationID = &root
		}
		if err := db.CreateConference(ctx, &c); err != nil {
			return info, fmt.Errorf("conference: %w", err)
		}
		for _, p := range prov.Points {
			pt := attendance.Point{ConferenceID: c.ID, Name: p.Name, Location: p.Location}
			for _, code := range p.OrgCodes {
				pt.OrganizationIDs = append(pt.OrganizationIDs, orgIDs[code])
			}
			if err := db.CreatePoint(ctx, &pt); err != nil {
				return info, fmt.Errorf("point %q: %w", p.Name, err)
			}
		}
		if _, err := db.TransitionConference(ctx, c.ID, "start"); err != nil {
			return info, err
		}
		info.ConferenceID = c.ID
	}

	info.Chair, _ = prov.PointSecretary(0)
	for _, m := range prov.Members {
		if m.OrgCode == info.Chair.OrgCode && m.Position == attendance.PositionMember && !m.Exempt {
			info.Member = m
			break
		}
	}
	return info, nil
}

// resetAccount creates the demo account or gives it a.Password.
func resetAccount(ctx context.Context, db *sqlstore.DB, a demoAccount) error {
	l, err := db.Accounts(ctx, "", a.Login, attendance.Page{Size: 10})
	if err != nil {
		return err
	}
	for _, acc := range l.Items {
		if acc.Login == a.Login {
			acc.Active = true
			return db.UpdateAccount(ctx, attendance.Principal{Role: attendance.RoleAdmin, Name: "diemcau demo"}, &acc, a.Password)
		}
	}
	names := map[attendance.Role]string{attendance.RoleOrganizer: "Văn phòng Đảng uỷ Khối", attendance.RoleSupervisor: "Uỷ ban Kiểm tra Đảng uỷ Khối"}
	acc := attendance.Account{Login: a.Login, DisplayName: names[a.Role], Role: a.Role, Active: true}
	return db.CreateAccount(ctx, &acc, a.Password)
}

// printDemo tells a person how to try every role.
func printDemo(w io.Writer, base string, info demoInfo) {
	var b strings.Builder
	fmt.Fprintf(&b, "\nDemo province loaded: %d members, conference %q live now with %d points.\n\n", info.Members, info.Title, info.Points)
	fmt.Fprintf(&b, "  Sign in (Vietnamese): %s/vi/login    English: %s/en/login\n\n", base, base)
	fmt.Fprintf(&b, "  %-12s %-22s %s\n", "role", "sign in with", "secret")
	fmt.Fprintf(&b, "  %-12s %-22s %s\n", "admin", "the admin login", "(printed at first start, or DIEMCAU_ADMIN_PASSWORD)")
	for _, a := range info.Accounts {
		fmt.Fprintf(&b, "  %-12s login %-16s password %s\n", a.Role, a.Login, a.Password)
	}
	fmt.Fprintf(&b, "  %-12s member %-15s PIN %s  (%s, secretary: chairs a point)\n", "chair", info.Chair.Code, info.Chair.PIN, info.Chair.FullName)
	fmt.Fprintf(&b, "  %-12s member %-15s PIN %s  (%s)\n", "member", info.Member.Code, info.Member.PIN, info.Member.FullName)
	fmt.Fprintf(&b, "\n  API: %s/api/v1/conferences/%d   (POST %s/api/v1/auth/login for a bearer token)\n\n", base, info.ConferenceID, base)
	io.WriteString(w, b.String())
}

// readSecretFile reads a password or secret from a file, without its final newline.
func readSecretFile(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	return strings.TrimRight(string(b), "\r\n"), nil
}
