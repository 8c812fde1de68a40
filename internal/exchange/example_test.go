package exchange_test

import (
	"fmt"
	"strings"

	"github.com/scribe-health/scribe/internal/exchange"
)

// HL7 v2 delimiters inside note text are escaped so a receiver's parser
// sees one field.
func ExampleEscapeHL7() {
	fmt.Println(exchange.EscapeHL7(`mood 6|10, sleep ^ appetite ~ plan A&B, C:\notes`))
	// Output: mood 6\F\10, sleep \S\ appetite \R\ plan A\T\B, C:\E\notes
}

// Every export carries AIAST; a 42 CFR Part 2 record also carries R,
// 42CFRPart2 and NORDSCLCD.
func ExampleSecurityLabels() {
	for _, part2 := range []bool{false, true} {
		var codes []string
		for _, l := range exchange.SecurityLabels(part2) {
			codes = append(codes, l.Code)
		}
		fmt.Println(strings.Join(codes, " "))
	}
	// Output:
	// AIAST
	// AIAST R 42CFRPart2 NORDSCLCD
}
