// Package demo generates a realistic demo province for `diemcau serve --demo` and
// `diemcau demo`: a provincial bloc of Party organizations modelled on seed 004 (the
// Đảng bộ Khối các cơ quan tỉnh, its đảng bộ cơ sở and chi bộ), a roster of members
// with Vietnamese names, phones and PINs, one conference and six bridge points.
//
// Generate is pure: it touches no database, file or clock, and the same seed always
// gives the same province, so demos, screenshots and tests can name real members.
package demo

import (
	"fmt"
	"math/bits"
	"math/rand/v2"

	"github.com/diemcau/diemcau/attendance"
)

// Org is an organization of the demo bloc. Code is unique and ParentCode names the
// parent, empty for the root.
type Org struct {
	Code       string
	ParentCode string
	Name       string
	Kind       attendance.OrgKind
}

// Member is a Party member on the roster of a chi bộ. PIN is the member's sign-in PIN
// in clear, since the demo prints it for whoever tries the service.
type Member struct {
	Code     string
	FullName string
	OrgCode  string
	Position attendance.Position
	Exempt   bool
	Phone    string
	PIN      string
}

// Point is a bridge point of the demo conference: a room followed by the members of the
// chi bộ in OrgCodes.
type Point struct {
	Name     string
	Location string
	OrgCodes []string
}

// Province is a generated demo province. Orgs lists parents before children, so they can
// be inserted in order. Points are exactly six, attached to chi bộ, and no chi bộ
// belongs to two points.
type Province struct {
	Orgs       []Org
	Members    []Member
	Conference struct{ Title, Description string }
	Points     []Point
}

// The bounds of the roster size. They keep the demo large enough to look like a real
// bloc on the live board and small enough to read on one screen per point.
const (
	minMembers = 170
	maxMembers = 210
	// baseChiBoSize is the size every chi bộ gets before the rest is spread by weight.
	baseChiBoSize = 6
	// exemptPercent is the share of members exempt from Party activities (miễn sinh
	// hoạt), which docs/design.md §5 leaves out of attendance rates.
	exemptPercent = 3
)

// chiBo is a chi bộ of the fixed tree with the relative size of its roster.
type chiBo struct {
	code, name string
	weight     int
}

// orgTree is the fixed organization tree of the demo bloc. Direct chi bộ and đảng bộ
// cơ sở are named after the agencies of seed 004; the seed only varies the rosters, so
// instructions that name an organization hold for every seed.
var orgTree = struct {
	rootCode, rootName string
	direct             []chiBo
	dangBo             []struct {
		code, name string
		chiBo      []chiBo
	}
}{
	rootCode: "DBK",
	rootName: "Đảng bộ Khối các cơ quan tỉnh",
	direct: []chiBo{
		{"CB-BTG", "Chi bộ Ban Tuyên giáo Tỉnh uỷ", 2},
		{"CB-STTTT", "Chi bộ Sở Thông tin và Truyền thông", 2},
		{"CB-VPTU", "Chi bộ Văn phòng Tỉnh uỷ", 3},
		{"CB-STP", "Chi bộ Sở Tư pháp", 2},
		{"CB-BTC", "Chi bộ Ban Tổ chức Tỉnh uỷ", 2},
		{"CB-UBKT", "Chi bộ Cơ quan Uỷ ban Kiểm tra Tỉnh uỷ", 1},
		{"CB-BDV", "Chi bộ Ban Dân vận Tỉnh uỷ", 1},
		{"CB-BNC", "Chi bộ Ban Nội chính Tỉnh uỷ", 1},
	},
	dangBo: []struct {
		code, name string
		chiBo      []chiBo
	}{
		{"DB-SYT", "Đảng bộ Sở Y tế", []chiBo{
			{"CB-SYT-VP", "Chi bộ Văn phòng Sở Y tế", 2},
			{"CB-SYT-TTR", "Chi bộ Thanh tra Sở Y tế", 1},
			{"CB-SYT-ATTP", "Chi bộ Chi cục An toàn vệ sinh thực phẩm", 1},
		}},
		{"DB-SGDDT", "Đảng bộ Sở Giáo dục và Đào tạo", []chiBo{
			{"CB-SGDDT-VP", "Chi bộ Văn phòng Sở Giáo dục và Đào tạo", 2},
			{"CB-SGDDT-CM", "Chi bộ các phòng chuyên môn Sở Giáo dục và Đào tạo", 2},
			{"CB-SGDDT-KT", "Chi bộ Phòng Khảo thí và Kiểm định chất lượng giáo dục", 1},
		}},
		{"DB-STC", "Đảng bộ Sở Tài chính", []chiBo{
			{"CB-STC-VP", "Chi bộ Văn phòng Sở Tài chính", 2},
			{"CB-STC-NS", "Chi bộ Phòng Quản lý ngân sách", 1},
		}},
	},
}

// points are the six rooms of the demo conference. The Tỉnh uỷ hall seats three chi bộ
// and each đảng bộ cơ sở gathers its chi bộ in one room, as blocs do; the chi bộ of the
// Sở Tài chính, the Ban Dân vận and the Ban Nội chính have no point, so the demo also
// shows organizations that follow elsewhere.
var points = []Point{
	{
		Name:     "Điểm cầu Chi bộ Ban Tuyên giáo Tỉnh uỷ",
		Location: "Phòng họp tầng 2, số 1 đường Trần Hưng Đạo",
		OrgCodes: []string{"CB-BTG"},
	},
	{
		Name:     "Điểm cầu Hội trường Văn phòng Tỉnh uỷ",
		Location: "Hội trường B, tầng 1, số 1 đường Trần Hưng Đạo",
		OrgCodes: []string{"CB-VPTU", "CB-BTC", "CB-UBKT"},
	},
	{
		Name:     "Điểm cầu Chi bộ Sở Thông tin và Truyền thông",
		Location: "Phòng họp trực tuyến tầng 4, số 8 đường Nguyễn Trãi",
		OrgCodes: []string{"CB-STTTT"},
	},
	{
		Name:     "Điểm cầu Chi bộ Sở Tư pháp",
		Location: "Phòng họp tầng 3, số 27 đường Quang Trung",
		OrgCodes: []string{"CB-STP"},
	},
	{
		Name:     "Điểm cầu Đảng bộ Sở Y tế",
		Location: "Hội trường tầng 5, số 12 đường Lê Lợi",
		OrgCodes: []string{"CB-SYT-VP", "CB-SYT-TTR", "CB-SYT-ATTP"},
	},
	{
		Name:     "Điểm cầu Đảng bộ Sở Giáo dục và Đào tạo",
		Location: "Phòng họp số 1, tầng 2, số 45 đường Hai Bà Trưng",
		OrgCodes: []string{"CB-SGDDT-VP", "CB-SGDDT-CM"},
	},
}

// The demo conference is the study of the XIVth Congress resolution, the kind of
// conference seed 004 describes being followed at every point of a bloc.
const (
	conferenceTitle       = "Hội nghị học tập, quán triệt Nghị quyết Đại hội XIV của Đảng"
	conferenceDescription = "Hội nghị trực tuyến học tập, quán triệt và triển khai thực hiện " +
		"Nghị quyết Đại hội đại biểu toàn quốc lần thứ XIV của Đảng, do Đảng uỷ Khối các cơ " +
		"quan tỉnh tổ chức tới các điểm cầu chi, đảng bộ cơ sở. Đồng chí Bí thư cấp uỷ trực " +
		"tiếp chủ trì tại điểm cầu; trường hợp vắng mặt thì đồng chí Phó Bí thư chủ trì. " +
		"Đảng viên vắng mặt phải có văn bản báo cáo và được chủ trì hội nghị đồng ý."
)

// Generate returns the demo province. The same seed gives the same province: the
// organization tree, conference and points are fixed, and the seed draws the rosters.
func Generate(seed int64) Province {
	g := generator{
		rng:    newRNG(seed),
		names:  map[string]bool{},
		phones: map[string]bool{},
	}
	var p Province
	p.Conference.Title = conferenceTitle
	p.Conference.Description = conferenceDescription

	root := orgTree.rootCode
	p.Orgs = append(p.Orgs, Org{Code: root, Name: orgTree.rootName, Kind: attendance.KindDangBo})
	var cells []chiBo
	for _, c := range orgTree.direct {
		p.Orgs = append(p.Orgs, Org{Code: c.code, ParentCode: root, Name: c.name, Kind: attendance.KindChiBo})
		cells = append(cells, c)
	}
	for _, d := range orgTree.dangBo {
		p.Orgs = append(p.Orgs, Org{Code: d.code, ParentCode: root, Name: d.name, Kind: attendance.KindDangBo})
		for _, c := range d.chiBo {
			p.Orgs = append(p.Orgs, Org{Code: c.code, ParentCode: d.code, Name: c.name, Kind: attendance.KindChiBo})
			cells = append(cells, c)
		}
	}

	sizes := g.sizes(cells)
	code := 100 + g.intn(900)
	for i, c := range cells {
		for j := range sizes[i] {
			pos := attendance.PositionMember
			switch j {
			case 0:
				pos = attendance.PositionSecretary
			case 1:
				pos = attendance.PositionDeputy
			}
			p.Members = append(p.Members, Member{
				Code:     fmt.Sprintf("DV%06d", code),
				FullName: g.fullName(),
				OrgCode:  c.code,
				Position: pos,
				Phone:    g.phone(),
				PIN:      fmt.Sprintf("%06d", g.intn(1_000_000)),
			})
			// Gaps between codes make the roster look like an extract of a larger
			// register, as the bloc's is.
			code += 1 + g.intn(5)
		}
	}
	g.markExempt(p.Members)

	p.Points = make([]Point, len(points))
	for i, pt := range points {
		pt.OrgCodes = append([]string(nil), pt.OrgCodes...)
		p.Points[i] = pt
	}
	return p
}

// Secretary returns the secretary (bí thư) of the chi bộ orgCode, and false when there
// is none.
func (p Province) Secretary(orgCode string) (Member, bool) {
	return p.officer(orgCode, attendance.PositionSecretary)
}

// PointSecretary returns the secretary of the first chi bộ of point i, who chairs the
// point, so the demo can print credentials to try the chair's console. It returns false
// when i is out of range.
func (p Province) PointSecretary(i int) (Member, bool) {
	if i < 0 || i >= len(p.Points) || len(p.Points[i].OrgCodes) == 0 {
		return Member{}, false
	}
	return p.Secretary(p.Points[i].OrgCodes[0])
}

// officer returns the first member of orgCode holding pos; Generate gives each chi bộ
// exactly one secretary and one deputy.
func (p Province) officer(orgCode string, pos attendance.Position) (Member, bool) {
	for _, m := range p.Members {
		if m.OrgCode == orgCode && m.Position == pos {
			return m, true
		}
	}
	return Member{}, false
}

// rng draws from a PCG source through its Uint64 alone. PCG's output is fixed by its
// algorithm, while the bounded helpers of math/rand/v2 may change between releases;
// deriving bounded numbers here keeps a seed's province the same across Go versions.
type rng struct {
	src *rand.PCG
}

// newRNG seeds the PCG with seed and a constant stream, "diemcau" in ASCII.
func newRNG(seed int64) rng {
	return rng{src: rand.NewPCG(uint64(seed), 0x64_69_65_6d_63_61_75)}
}

// intn returns a number in [0, n) by Lemire's multiply-high; the bias, under n/2⁶⁴, is
// far below anything a demo could show. n must be positive.
func (r rng) intn(n int) int {
	hi, _ := bits.Mul64(r.src.Uint64(), uint64(n))
	return int(hi)
}

// pick returns a word of ws drawn by weight.
func (r rng) pick(ws []weighted) string {
	total := 0
	for _, w := range ws {
		total += w.weight
	}
	x := r.intn(total)
	for _, w := range ws {
		if x < w.weight {
			return w.word
		}
		x -= w.weight
	}
	return ws[len(ws)-1].word
}

// generator holds the random source and what has been handed out, so names and phones
// are not repeated.
type generator struct {
	rng
	names  map[string]bool
	phones map[string]bool
}

// sizes returns the roster size of each chi bộ: a base size each, then the rest of a
// random total handed out one member at a time by weight, so larger agencies get
// larger, but not identical, rosters.
func (g *generator) sizes(cells []chiBo) []int {
	total := minMembers + g.intn(maxMembers-minMembers+1)
	sizes := make([]int, len(cells))
	weights := 0
	for i, c := range cells {
		sizes[i] = baseChiBoSize
		weights += c.weight
	}
	for range total - baseChiBoSize*len(cells) {
		x := g.intn(weights)
		for i, c := range cells {
			if x < c.weight {
				sizes[i]++
				break
			}
			x -= c.weight
		}
	}
	return sizes
}

// femalePercent is the share of women among the bloc's members; the civil service of a
// province is close to even.
const femalePercent = 45

// fullName returns a name not yet used in the province. After a few collisions it adds
// a second middle name, which widens the choice as Vietnamese families do when a name
// is taken.
func (g *generator) fullName() string {
	female := g.intn(100) < femalePercent
	for attempt := 0; ; attempt++ {
		family := g.pick(familyNames)
		var middle, given string
		if female {
			middle, given = g.pick(femaleMiddleNames), g.pick(femaleGivenNames)
		} else {
			middle, given = g.pick(maleMiddleNames), g.pick(maleGivenNames)
		}
		if given == middle || given == family {
			continue
		}
		name := family + " " + middle
		if (female && middle == "Thị" && g.intn(4) == 0) || attempt >= 3 {
			second := g.pick(femaleSecondMiddleNames)
			if !female {
				second = g.pick(maleMiddleNames)
			}
			if second == middle || second == given || second == "Văn" {
				continue
			}
			name += " " + second
		}
		name += " " + given
		if !g.names[name] {
			g.names[name] = true
			return name
		}
	}
}

// phone returns an unused mobile number written as Vietnamese print does, 4-3-3.
func (g *generator) phone() string {
	for {
		s := g.pick(weightedPrefixes) + fmt.Sprintf("%07d", g.intn(10_000_000))
		s = s[:4] + " " + s[4:7] + " " + s[7:]
		if !g.phones[s] {
			g.phones[s] = true
			return s
		}
	}
}

// weightedPrefixes gives every mobile prefix the same chance.
var weightedPrefixes = func() []weighted {
	ws := make([]weighted, len(mobilePrefixes))
	for i, p := range mobilePrefixes {
		ws[i] = weighted{p, 1}
	}
	return ws
}()

// markExempt marks exemptPercent of the members exempt, chosen among plain members: an
// elderly or ill member may be excused from Party activities, but a secretary or deputy
// who chairs a point may not.
func (g *generator) markExempt(ms []Member) {
	var plain []int
	for i, m := range ms {
		if m.Position == attendance.PositionMember {
			plain = append(plain, i)
		}
	}
	n := (len(ms)*exemptPercent + 50) / 100
	for k := 0; k < n && len(plain) > 0; k++ {
		j := g.intn(len(plain))
		ms[plain[j]].Exempt = true
		plain = append(plain[:j], plain[j+1:]...)
	}
}
