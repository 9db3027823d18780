package demo

// weighted is a word with its relative frequency, in parts per thousand where the list
// models a real distribution.
type weighted struct {
	word   string
	weight int
}

// familyNames follows the usual estimates of Vietnamese family names (Nguyễn about 38%,
// Trần 11%, Lê 9.5%, Phạm 7%, and so on), so a demo roster looks like a real one. The
// tail lists a few names common in northern provinces such as the one of seed 004.
var familyNames = []weighted{
	{"Nguyễn", 384},
	{"Trần", 110},
	{"Lê", 95},
	{"Phạm", 70},
	{"Hoàng", 35},
	{"Huỳnh", 16},
	{"Phan", 45},
	{"Vũ", 24},
	{"Võ", 15},
	{"Đặng", 21},
	{"Bùi", 20},
	{"Đỗ", 14},
	{"Hồ", 13},
	{"Ngô", 13},
	{"Dương", 10},
	{"Lý", 5},
	{"Đinh", 8},
	{"Trịnh", 6},
	{"Đào", 6},
	{"Hà", 5},
	{"Mai", 4},
	{"Lương", 4},
	{"Cao", 3},
	{"Tạ", 2},
	{"Quách", 2},
}

// maleMiddleNames weights Văn highest, as it is among men of the age of most members.
var maleMiddleNames = []weighted{
	{"Văn", 300},
	{"Hữu", 70},
	{"Đức", 90},
	{"Minh", 90},
	{"Quang", 70},
	{"Thành", 50},
	{"Công", 50},
	{"Xuân", 40},
	{"Mạnh", 40},
	{"Tiến", 40},
	{"Trọng", 40},
	{"Ngọc", 30},
	{"Việt", 30},
	{"Anh", 30},
	{"Huy", 20},
}

// femaleMiddleNames weights Thị highest for the same reason.
var femaleMiddleNames = []weighted{
	{"Thị", 450},
	{"Ngọc", 70},
	{"Thu", 70},
	{"Thanh", 70},
	{"Kim", 40},
	{"Minh", 40},
	{"Thuý", 40},
	{"Hồng", 40},
	{"Phương", 40},
	{"Bích", 30},
	{"Diệu", 20},
	{"Khánh", 20},
	{"Hải", 20},
	{"Mai", 20},
	{"Lan", 20},
}

// femaleSecondMiddleNames follow Thị in names such as "Nguyễn Thị Thu Hương", which
// are common enough that a quarter of the women with Thị get one.
var femaleSecondMiddleNames = []weighted{
	{"Thu", 1}, {"Thanh", 1}, {"Ngọc", 1}, {"Minh", 1}, {"Kim", 1},
	{"Hồng", 1}, {"Thuý", 1}, {"Phương", 1}, {"Bích", 1}, {"Hải", 1},
}

// maleGivenNames are given names of men in the provincial civil service.
var maleGivenNames = []weighted{
	{"Hùng", 30}, {"Dũng", 30}, {"Tuấn", 30}, {"Hải", 25}, {"Long", 20},
	{"Nam", 25}, {"Phúc", 15}, {"Quân", 15}, {"Thắng", 20}, {"Sơn", 25},
	{"Bình", 20}, {"Cường", 20}, {"Đức", 15}, {"Minh", 25}, {"Trung", 20},
	{"Thành", 20}, {"Hiếu", 15}, {"Khánh", 10}, {"Việt", 10}, {"Hưng", 15},
	{"Toàn", 10}, {"Tùng", 15}, {"Lâm", 10}, {"Kiên", 10}, {"Huy", 15},
	{"Hoàng", 10}, {"Duy", 10}, {"Thịnh", 10}, {"Phong", 10}, {"Vinh", 10},
	{"Tú", 10}, {"Chiến", 10}, {"Đạt", 10}, {"Giang", 5}, {"Quyết", 5},
	{"Tài", 5}, {"Lực", 5}, {"Thanh", 10}, {"Tiến", 10}, {"Hậu", 5},
}

// femaleGivenNames are given names of women in the provincial civil service.
var femaleGivenNames = []weighted{
	{"Lan", 25}, {"Hương", 30}, {"Hoa", 20}, {"Mai", 20}, {"Thảo", 25},
	{"Trang", 25}, {"Ngọc", 15}, {"Yến", 15}, {"Dương", 10}, {"Thuỷ", 20},
	{"Hằng", 25}, {"Hà", 20}, {"Linh", 25}, {"Nga", 15}, {"Nhung", 15},
	{"Phương", 15}, {"Quỳnh", 10}, {"Thu", 10}, {"Vân", 15}, {"Hạnh", 15},
	{"Huyền", 20}, {"Loan", 10}, {"Liên", 10}, {"Oanh", 10}, {"Tâm", 10},
	{"Anh", 15}, {"Chi", 10}, {"Dung", 15}, {"Giang", 10}, {"Hiền", 15},
	{"Hồng", 10}, {"Nhàn", 5}, {"Tuyết", 5}, {"Xuân", 5}, {"Thuý", 10},
}

// mobilePrefixes are the three-digit prefixes of the Vietnamese mobile networks since
// the 2018 renumbering (Viettel, VinaPhone, MobiFone), all starting 09, 03, 08 or 07.
var mobilePrefixes = []string{
	"086", "096", "097", "098", "032", "033", "034", "035", "036", "037", "038", "039",
	"088", "091", "094", "081", "082", "083", "084", "085",
	"089", "090", "093", "070", "076", "077", "078", "079",
}
