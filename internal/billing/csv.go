package billing

import (
	"encoding/csv"
	"fmt"
	"io"
	"strings"
)

// Charge is one confirmed service of a signed note, as billing staff read
// it: one row per procedure code, with the note's diagnoses.
type Charge struct {
	DateOfService  string // YYYY-MM-DD in the practice's zone
	SessionID      string
	ClientAlias    string
	Clinician      string
	Code           string
	Modifiers      []string
	Units          int
	PlaceOfService string
	Diagnoses      []string
	Basis          string
	SignedAt       string // RFC 3339
}

// CSVHeader names the charge export's columns.
var CSVHeader = []string{"date_of_service", "session_id", "client_alias", "clinician", "cpt", "modifiers", "units", "place_of_service", "diagnoses", "basis", "signed_at"}

// WriteCSV writes charges as CSV (RFC 4180) with a header row. A cell that
// a spreadsheet would run as a formula (it starts with = + - @ or a tab)
// is prefixed with an apostrophe.
func WriteCSV(w io.Writer, charges []Charge) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(CSVHeader); err != nil {
		return err
	}
	for _, c := range charges {
		row := []string{c.DateOfService, c.SessionID, c.ClientAlias, c.Clinician, c.Code, strings.Join(c.Modifiers, " "), fmt.Sprint(c.Units),
			c.PlaceOfService, strings.Join(c.Diagnoses, " "), c.Basis, c.SignedAt}
		for i, cell := range row {
			if cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
				row[i] = "'" + cell
			}
		}
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}
