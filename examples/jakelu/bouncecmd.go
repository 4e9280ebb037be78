package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/jakelu/jakelu/transport/bounce"
)

// jsonBounce is bounce --json's object: the keys are part of the
// command's interface.
type jsonBounce struct {
	Kind              bounce.Kind           `json:"kind"`
	Recipients        []jsonBounceRecipient `json:"recipients"`
	OriginalMessageID string                `json:"original_message_id"`
	EnvelopeID        string                `json:"envelope_id"`
}

// jsonBounceRecipient is one recipient of jsonBounce.
type jsonBounceRecipient struct {
	Address    string        `json:"address"`
	Status     string        `json:"status"`
	Code       int           `json:"code"`
	Action     string        `json:"action"`
	Hard       bool          `json:"hard"`
	Reason     bounce.Reason `json:"reason"`
	Diagnostic string        `json:"diagnostic"`
}

// runBounce reads one bounce report (a whole message) and prints what it
// says.
func runBounce(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("bounce", "bounce [--json] FILE\nbounce --db DSN [--json] [FILE]\n\n"+
		"Reads one returned mail (a non-delivery report, delay warning, delivery confirmation,\n"+
		"automatic reply or spam complaint; FILE - reads stdin) and prints its kind and, per\n"+
		"recipient, the address, status, SMTP code, action, whether the address is dead (hard)\n"+
		"and why. Exit 0 for any readable message, also one that is not a bounce (not-a-bounce).", stderr)
	dsn := fs.String("db", "", "apply the report to the outbox in this database (for a Postfix pipe transport: FILE may be left out to read stdin); the VERP key comes from JAKELU_VERP_KEY, JAKELU_VERP_DOMAIN and JAKELU_VERP_LOCAL")
	asJSON := fs.Bool("json", false, `print one JSON object: {"kind", "recipients": [{"address", "status", "code", "action", "hard", "reason", "diagnostic"}], "original_message_id", "envelope_id"}`)
	files, err := parseArgs(fs, args)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return usageError(stdout, *asJSON, err.Error())
	}
	if *dsn != "" && len(files) == 0 {
		files = []string{"-"}
	}
	if len(files) != 1 {
		fs.Usage()
		return usageError(stdout, *asJSON, "give exactly one FILE (- for stdin)")
	}
	if err := ctx.Err(); err != nil {
		return bounceFail(stdout, stderr, *asJSON, "canceled", err.Error())
	}
	var in io.Reader = os.Stdin
	if files[0] != "-" {
		f, err := os.Open(files[0])
		if err != nil {
			return bounceFail(stdout, stderr, *asJSON, "read-error", err.Error())
		}
		defer f.Close()
		in = f
	}
	if *dsn != "" {
		return handleBounce(ctx, *dsn, in, *asJSON, stdout, stderr)
	}
	rep, err := bounce.Parse(in)
	if err != nil {
		code := "read-error"
		switch {
		case errors.Is(err, bounce.ErrTooLarge):
			code = "too-large"
		case errors.Is(err, bounce.ErrEmpty):
			code = "empty"
		}
		return bounceFail(stdout, stderr, *asJSON, code, files[0]+": "+err.Error())
	}
	if *asJSON {
		out := jsonBounce{Kind: rep.Kind, Recipients: []jsonBounceRecipient{}, OriginalMessageID: rep.OriginalMessageID, EnvelopeID: rep.EnvelopeID}
		for _, r := range rep.Recipients {
			out.Recipients = append(out.Recipients, jsonBounceRecipient{r.Address, r.Status, r.Code, r.Action, r.Hard, r.Reason, r.Diagnostic})
		}
		writeJSON(stdout, out)
		return 0
	}
	fmt.Fprintf(stdout, "kind: %s (%s)\n", rep.Kind, rep.Kind.Message("en"))
	if rep.OriginalMessageID != "" {
		fmt.Fprintf(stdout, "original message: <%s>\n", rep.OriginalMessageID)
	}
	if rep.EnvelopeID != "" {
		fmt.Fprintf(stdout, "envelope id: %s\n", rep.EnvelopeID)
	}
	if rep.VERP != "" {
		fmt.Fprintf(stdout, "returned to: %s\n", rep.VERP)
	}
	for _, r := range rep.Recipients {
		hard := ""
		if r.Hard {
			hard = ", hard: stop mailing this address"
		}
		parts := []string{r.Address + ":"}
		for _, p := range []string{r.Action, r.Status} {
			if p != "" {
				parts = append(parts, p)
			}
		}
		if r.Code != 0 {
			parts = append(parts, strconv.Itoa(r.Code))
		}
		parts = append(parts, string(r.Reason), "("+r.Reason.Message("en")+hard+")")
		fmt.Fprintln(stdout, strings.Join(parts, " "))
		if r.Diagnostic != "" {
			fmt.Fprintf(stdout, "  %s\n", r.Diagnostic)
		}
	}
	if rep.Truncated {
		fmt.Fprintf(stdout, "(only the first %d recipients are shown)\n", len(rep.Recipients))
	}
	return 0
}

// bounceFail reports a message that cannot be read and returns exit 1.
func bounceFail(stdout, stderr io.Writer, asJSON bool, code, message string) int {
	if asJSON {
		printJSONError(stdout, code, message)
	} else {
		fmt.Fprintf(stderr, "jakelu bounce: %s\n", message)
	}
	return 1
}
