package pipeline

import (
	"fmt"
	"time"

	"github.com/scribe-health/scribe/internal/validate"
)

// Appointment limits. A call session is booked for a window of
// DefaultSessionLength unless told otherwise; its length is between
// MinSessionLength and MaxSessionLength (the relay's longest call).
const (
	DefaultSessionLength = 50 * time.Minute
	MinSessionLength     = 10 * time.Minute
	MaxSessionLength     = 4 * time.Hour
	// ScheduleAhead is how far ahead a session can be booked.
	ScheduleAhead = 366 * 24 * time.Hour
	// startTolerance lets "now" typed into a form a minute late pass.
	startTolerance = 5 * time.Minute
)

// CheckSchedule validates an appointment: it starts now or later (within a
// few minutes' tolerance) and at most ScheduleAhead from now, and lasts
// between MinSessionLength and MaxSessionLength. start is shown in its own
// location in the error.
func CheckSchedule(start time.Time, length time.Duration, now time.Time) error {
	const layout = "2006-01-02 15:04 MST"
	if start.Before(now.Add(-startTolerance)) {
		return &validate.Error{Field: FieldAppointmentTime, Value: start.Format(layout), Problem: "is in the past",
			Hint: "now (" + now.In(start.Location()).Format(layout) + ") or later"}
	}
	if start.After(now.Add(ScheduleAhead)) {
		return &validate.Error{Field: FieldAppointmentTime, Value: start.Format(layout), Problem: "is too far ahead",
			Hint: "up to a year from now"}
	}
	if length < MinSessionLength || length > MaxSessionLength {
		return &validate.Error{Field: FieldAppointmentLength, Value: minutes(length), Problem: "is out of range",
			Hint: minutes(MinSessionLength) + " to " + minutes(MaxSessionLength)}
	}
	return nil
}

// minutes writes a length as people say it: "50 minutes", "4 hours".
func minutes(d time.Duration) string {
	switch {
	case d%time.Hour == 0 && d >= time.Hour:
		if d == time.Hour {
			return "1 hour"
		}
		return fmt.Sprintf("%d hours", d/time.Hour)
	case d == time.Minute:
		return "1 minute"
	case d%time.Minute == 0:
		return fmt.Sprintf("%d minutes", d/time.Minute)
	default:
		return d.String()
	}
}
