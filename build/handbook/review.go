package handbook

import (
	"fmt"
	"time"
)

// ReviewStatus is where a page stands against its review_by date.
type ReviewStatus int

// Review statuses.
const (
	ReviewNotDue  ReviewStatus = iota // later than the warning window, or no date
	ReviewDueSoon                     // due today or within the warning window
	ReviewOverdue                     // the date has passed
)

// ReviewWindow is how many days ahead a review counts as due soon on the
// site's /review/ page; `compass check` takes its own --warn-days.
const ReviewWindow = 30

// Review is the one rule for review dates, used by `compass check` and the
// /review/ page: a page is overdue once its review_by date (YYYY-MM-DD) is
// before today's date, and due soon when it falls within warnDays (0: never
// "soon"). days counts how many days overdue, or until due.
func Review(reviewBy string, now time.Time, warnDays int) (status ReviewStatus, days int, err error) {
	due, err := time.Parse(time.DateOnly, reviewBy)
	if err != nil {
		return ReviewNotDue, 0, fmt.Errorf("review_by %q is not a YYYY-MM-DD date", reviewBy)
	}
	y, m, d := now.Date()
	today := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	days = int(due.Sub(today).Hours() / 24)
	switch {
	case days < 0:
		return ReviewOverdue, -days, nil
	case warnDays > 0 && days <= warnDays:
		return ReviewDueSoon, days, nil
	}
	return ReviewNotDue, days, nil
}
