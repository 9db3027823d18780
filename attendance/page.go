package attendance

// Page selects one page of a list. Number counts from 1.
type Page struct {
	Number int
	Size   int
}

// The bounds of a page.
const (
	DefaultPageSize = 50
	MaxPageSize     = 500
)

// Clamp returns the page with its number and size brought within bounds.
func (p Page) Clamp() Page {
	if p.Number < 1 {
		p.Number = 1
	}
	if p.Size <= 0 {
		p.Size = DefaultPageSize
	}
	if p.Size > MaxPageSize {
		p.Size = MaxPageSize
	}
	return p
}

// Offset is the number of records before the page.
func (p Page) Offset() int { return (p.Number - 1) * p.Size }

// List is one page of records and the total count matching the filter.
type List[T any] struct {
	Items []T
	Total int64
	Page  Page
}
